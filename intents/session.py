"""The guided session: runs the dialogue table (``dialogue.yaml``) for one evening's ritual.

Each turn looks up the (phase, command) row and runs its action. Actions are the small verbs the
table names; what is said comes from ``content/phrases.yaml`` and the content library
(:mod:`intents.steps`). Every command has an answer in every phase; none raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .commands import Command, CommandKind
from .content import ContentLibrary, Depth
from .dialogue import DialogueTable, Phase, PhaseSpec, Window, default_dialogue
from .phrases import Phrases, spoken
from .replies import Listening, Reply, ReplyBuilder, Speech
from .selection import CHECK_IN_EVERY, QUESTION_ONLY, TOUCH_ONLY, Planner, TonightPlan, seeded_random
from .session_state import SessionState, Stage, phase_of
from .steps import BREATH, StepVoice
from .store import CompletedRitual, Preferences, StepRecord
from .window import Left, MicrophoneWindow

MORE_TIME_SECONDS = 30
CHECK_IN = "check_in"  # the phrases of the check-in (check_in, check_in_yes, ...)
REFLECTION_PAUSE = 1.5

__all__ = ["Context", "Conversation", "Outcome", "SessionState", "Stage"]


@dataclass
class Context:
    """What a turn needs from outside the state: content, words, names and plans."""

    content: ContentLibrary
    phrases: Phrases
    planner: Planner
    preferences: Preferences
    make_plan: Callable[[str | None, str | None], TonightPlan]  # (ritual id, mood) -> tonight's plan
    recently_used: Mapping[str, Any]
    nights_before: int  # distinct nights with a completed ritual, tonight included if one is done
    now: datetime
    front: str
    night: date | None = None
    done_tonight: bool = False  # a ritual was already completed tonight
    window: MicrophoneWindow | None = None  # a front whose microphone closes after a few seconds (Alexa)
    check_in: bool = False  # tonight's opening asks how the couple arrives (selection.check_in_due)


@dataclass
class Outcome:
    """A turn's result: the reply, the new state, and what to persist."""

    reply: Reply
    state: SessionState
    completed: CompletedRitual | None = None
    progress: bool = False  # the state is mid-ritual and worth keeping for later tonight
    clear_progress: bool = False


Action = Callable[["Conversation", SessionState, Command, str], Outcome]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    """Register a method as the action the dialogue table calls ``name``."""
    def register(func: Action) -> Action:
        ACTIONS[name] = func
        return func
    return register


class Conversation:
    """Applies one command to a state. Pure apart from the clock and ids passed in."""

    def __init__(self, ctx: Context, table: DialogueTable | None = None) -> None:
        self.ctx = ctx
        self.table = table or default_dialogue()
        self.voice = StepVoice(ctx.content, ctx.phrases, ctx.preferences.names, ctx.nights_before)
        self.asked = False  # this turn's reply asks a question step's question (see Window.AFTER_PROMPT)
        self.helped = False  # this turn's reply is help, which ends with a question

    def say(self, key: str, **values: object) -> str:
        if key.startswith(CHECK_IN):  # the n-th check-in and its answers: each check-in in the next words
            return self.ctx.phrases.say_in_turn(key, self.ctx.nights_before // CHECK_IN_EVERY, **values)
        return self.ctx.phrases.say(key, **values)

    # ----- the interpreter --------------------------------------------------
    def handle(self, state: SessionState, command: Command) -> Outcome:
        """Run the table's row for the state's phase and ``command``."""
        self.asked = self.helped = False
        return self._act(state, command)

    def _act(self, state: SessionState, command: Command) -> Outcome:
        rule = self.table.rule(phase_of(state), command.kind)
        if rule is None:  # a question about names, or a welcome back, met with something else: act as usual
            state.pending_names, state.asking_names, state.left = (), False, None
            rule = self.table.rule(phase_of(state), command.kind)
        assert rule is not None
        return ACTIONS[rule.action](self, state, command, rule.phrase)

    def open(self, state: SessionState) -> Outcome:
        """The greeting of a new conversation, given tonight's state."""
        state.pending_names, state.asking_names = (), False
        if state.mid_ritual or state.stage is Stage.RESUME_OFFER:
            state.stage = Stage.RESUME_OFFER
            key = self.table.welcome_back[state.left].offer if state.left else "resume_offer"
            text = self.say(key, title=state.plan.title, step=state.step + 1, steps=len(state.plan.steps))
            return self.reply(ReplyBuilder().say(text), state, progress=True)
        if state.stage is Stage.FINISHED:
            return self.reply(ReplyBuilder().say(self._touch_choice("welcome_back_done")), state)
        state.stage = Stage.OFFER
        if self.ctx.check_in and self.ctx.content.rituals[state.plan.ritual_id].cadence == "nightly":
            state.stage = Stage.CHECK_IN
            return self.reply(ReplyBuilder().say(self.say("check_in")), state)
        return self.reply(ReplyBuilder().say(self._offer_text(state, "welcome")), state)

    def reply(self, b: ReplyBuilder, state: SessionState, end: bool = False, **persist: Any) -> Outcome:
        """Finish a reply: the phase's reprompt and listening, the step's card, what to persist.

        Where the couple talks and the front's microphone closes after a few seconds, the conversation
        closes here on purpose, saying how to come back, and tonight's progress remembers why.
        """
        phase = phase_of(state)
        spec = self.table.spec(phase)
        if not end and self._closes(spec):
            come_back = self._reprompt(state, spec.come_back)
            if not b.segments or b.segments[-1] != Speech(spoken(come_back)):
                b.say(come_back)
            state.left = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
            end, persist["progress"] = True, True
        in_step = state.stage is Stage.STEP
        card = self.voice.card(state) if in_step else ""
        reply = b.build(self._reprompt(state, self._reprompt_key(spec)), card=card, end_session=end,
                        title=state.plan.title if in_step else "Rekindle")
        if not end:
            reply = replace(reply, listening=spec.listening)
        persist.setdefault("progress", state.mid_ritual)
        return Outcome(reply, state, **persist)

    def _closes(self, spec: PhaseSpec) -> bool:
        """Whether this reply ends the conversation on purpose: the couple talks, and the microphone closes."""
        if self.ctx.window is None or spec.listening is not Listening.FREE_TALK:
            return False
        return not self.helped and not (self.asked and spec.window is Window.AFTER_PROMPT)

    def _reprompt_key(self, spec: PhaseSpec) -> str:
        """The phrase said when nothing is heard: on a closing microphone where the couple talks, how to come back."""
        return spec.come_back if self.ctx.window is not None and spec.come_back else spec.reprompt

    def _step_prompt(self, state: SessionState, b: ReplyBuilder, intro: bool = False) -> None:
        """The step's whole prompt; a question just asked keeps a closing microphone's few seconds."""
        self.voice.prompt(state, b, intro=intro)
        if state.current.kind == "question" and state.part == 0:
            self.asked = True

    def _reprompt(self, state: SessionState, key: str) -> str:
        names = state.pending_names or (self.voice.pair(state) if state.stage is Stage.STEP else None)
        first, second = (names[0], names[1]) if names and len(names) == 2 else ("", "")
        nth = self.voice.nth(state) if state.stage is Stage.STEP else 0  # each question's come-back its own words
        return self.ctx.phrases.say_nth(key, nth, title=state.plan.title, first=first, second=second)

    # ----- offers ------------------------------------------------------------
    def _offer_text(self, state: SessionState, key: str) -> str:
        return self.say(key, title=state.plan.title, minutes=state.plan.minutes)

    def _touch_choice(self, key: str) -> str:
        """A phrase that offers a touch moment only on a night touch may be offered."""
        night = self.ctx.night
        touch = night is None or self.ctx.preferences.touch_on(night)
        return self.say(f"{key}_touch" if touch else key)

    def _replan(self, state: SessionState, said: str) -> Outcome:
        """Preferences changed at an offer: tonight's plan follows them, and the offer is made again."""
        fresh = SessionState.new(self.ctx.make_plan(None, state.mood or None))
        fresh.mood = state.mood
        b = ReplyBuilder().say(said, self._offer_text(fresh, "offer_again"))
        return self.reply(b, fresh)

    @action("offer")
    def _offer(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage = Stage.OFFER
        return self.reply(ReplyBuilder().say(self._offer_text(state, phrase or "offer_again")), state)

    @action("fit_mood")
    def _fit_mood(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        """Tonight's ritual chosen again for how the couple says they arrive; a mood Rekindle cannot place
        answers the check-in with tonight's planned ritual, and elsewhere changes nothing."""
        mood = command.mood
        if mood is None:
            if state.stage is Stage.CHECK_IN:
                return self._offer(state, command, "check_in_other")
            return self._remind(state, command, "mood_unclear")
        try:
            plan = self.ctx.make_plan(None, mood)
        except ValueError:  # no ritual fits this mood with tonight's preferences: keep the one planned
            return self._offer(state, command, "check_in_other")
        fresh = SessionState.new(plan)
        fresh.mood = mood
        return self.reply(ReplyBuilder().say(self._offer_text(fresh, f"mood_{mood}")), fresh)

    @action("begin")
    def _begin(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage, state.step, state.part, state.extra_seconds, state.skipped = Stage.STEP, 0, 0, 0, ()
        return self._enter(state, ReplyBuilder().say(self.say("begin", title=state.plan.title)))

    @action("resume")
    def _resume(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        """Carry on where the couple was, welcomed back for how they left. Coming back to a conversation
        Rekindle closed while they talked means they are ready: it does what ``next`` does there."""
        greeted = state.stage is Stage.RESUME_OFFER  # the offer has welcomed them back already
        left, state.left, state.stage = state.left, None, Stage.STEP
        key = "carry_on" if greeted else self.table.welcome_back[left].welcome if left else "resumed"
        if left is Left.WAITING:
            outcome = self._act(state, Command(CommandKind.NEXT))
            again = self.ctx.phrases.say_nth(key, state.step * 2 + state.part, title=state.plan.title)
            return _prefaced(outcome, "" if greeted else again)  # each return of the night in its own words
        return self._enter(state, ReplyBuilder().say(self.say(key, title=state.plan.title)))

    @action("restart")
    def _restart(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        fresh = SessionState.new(state.plan, Stage.STEP)
        return self._enter(fresh, ReplyBuilder().say(self.say("start_over", title=state.plan.title)))

    @action("mini_question")
    def _mini_question(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self._mini(QUESTION_ONLY, ReplyBuilder())

    @action("mini_touch")
    def _mini_touch(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        if self.ctx.night is not None and not self.ctx.preferences.touch_on(self.ctx.night):
            return self._mini(QUESTION_ONLY, ReplyBuilder().say(self.say("mini_touch_off")))
        return self._mini(TOUCH_ONLY, ReplyBuilder())

    def _mini(self, ritual_id: str, b: ReplyBuilder) -> Outcome:
        return self._enter(SessionState.new(self.ctx.make_plan(ritual_id, None), Stage.STEP), b)

    @action("decline")
    def _decline(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage = Stage.DECLINED
        return self.reply(ReplyBuilder().say(self._touch_choice("declined")), state, progress=False)

    @action("goodbye")
    def _goodbye(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        mid = state.mid_ritual or state.stage is Stage.RESUME_OFFER
        if mid:
            state.stage, state.left = Stage.PAUSED, Left.STOPPED
        elif state.stage is not Stage.FINISHED:
            state.stage = Stage.OFFER
        b = ReplyBuilder().say(self.say("stopped_midway" if mid else "goodbye"))
        return self.reply(b, state, end=True, progress=mid)

    # ----- saying things ------------------------------------------------------
    @action("prompt")
    def _prompt(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        b = ReplyBuilder().say(self.say(phrase) if phrase else "")
        phase = phase_of(state)
        if state.stage is Stage.STEP and phase not in (Phase.NAMES_ASKED, Phase.NAMES_CHECK):
            self._step_prompt(state, b)
            return self.reply(b, state)
        return self._remind(state, command, "")

    @action("remind")
    def _remind(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        spec = self.table.spec(phase_of(state))
        text = self.say(phrase, title=state.plan.title) if phrase else ""
        return self.reply(ReplyBuilder().say(text, self._reprompt(state, self._reprompt_key(spec))), state)

    @action("note")
    def _note(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self.reply(ReplyBuilder().say(self.say(phrase, title=state.plan.title)), state)

    @action("unknown")
    def _unknown(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        if self._closes(self.table.spec(phase_of(state))):  # partners talking to each other, overheard
            return self.reply(ReplyBuilder(), state)
        return self._remind(state, command, "unknown")

    @action("help")
    def _help(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        key = self.table.spec(phase_of(state)).help
        self.helped = True  # help ends with a question, so it keeps listening
        return self.reply(ReplyBuilder().say(self._reprompt(state, key)), state)

    @action("time_left")
    def _time_left(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        steps = len(state.plan.steps)
        if state.mid_ritual:
            remaining = steps - state.step
            minutes_left = max(1, round(state.plan.minutes * remaining / steps))
            text = self.say("time_left", step=state.step + 1, steps=steps, title=state.plan.title,
                            minutes_left=minutes_left)
        else:
            text = self.say("time_left_offer", title=state.plan.title, steps=steps, minutes=state.plan.minutes)
        return self.reply(ReplyBuilder().say(text, self._where(state)), state)

    # ----- walking through the ritual ---------------------------------------------
    def _enter(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """Speak from the current step onwards, chaining steps that need no answer."""
        while True:
            step = state.current
            if step.kind == "closing":
                return self._complete(state, b)
            if step.kind == "touch" and self._touch_resting():
                state.skipped = tuple(sorted({*state.skipped, state.step}))
            elif step.kind in ("question", "touch", "task"):
                state.touch_asked_again = False
                self._step_prompt(state, b, intro=True)
                return self.reply(b, state)
            else:
                b.say(step.text).pause(step.seconds or REFLECTION_PAUSE,
                                       timer=step.kind == "reflection" and step.seconds > 0)
            state.step, state.part, state.extra_seconds = state.step + 1, 0, 0

    def _touch_resting(self) -> bool:
        night = self.ctx.night
        return night is not None and not self.ctx.preferences.touch_on(night)

    @action("advance")
    def _advance(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self._next_step(state, ReplyBuilder().say(self.say(phrase) if phrase else ""))

    def _next_step(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        state.step, state.part, state.extra_seconds = state.step + 1, 0, 0
        return self._enter(state, b)

    @action("next_turn")
    def _next_turn(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.part = 1
        b = ReplyBuilder()
        self._step_prompt(state, b)
        return self.reply(b, state)

    @action("skip_step")
    def _skip_step(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        key = "touch_passed" if state.current.kind == "touch" and state.part == 0 else "step_skipped"
        if state.current.kind != "touch" or state.part == 0:
            state.skipped = tuple(sorted({*state.skipped, state.step}))
        return self._next_step(state, ReplyBuilder().say(self.say(key)))

    @action("pass_touch")
    def _pass_touch(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self._skip_step(state, command, phrase)

    @action("back")
    def _back(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        b = ReplyBuilder()
        if state.part > 0:
            state.part = 0
        else:
            previous = [i for i in range(state.step) if state.plan.steps[i].kind in ("question", "touch", "task")]
            if not previous:
                b.say(self.say("no_earlier_step"))
                self._step_prompt(state, b)
                return self.reply(b, state)
            state.step, state.part, state.extra_seconds = previous[-1], 0, 0
            state.skipped = tuple(i for i in state.skipped if i < state.step)
        state.touch_asked_again = False
        b.say(self.say("went_back"))
        self._step_prompt(state, b)
        return self.reply(b, state)

    @action("different_question")
    def _different_question(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        step = state.current
        shown = self._not_again(state)
        rng = seeded_random(state.plan.household, state.plan.night, state.step, len(state.swapped))
        question = self.ctx.planner.pick_question(rng, step.theme, state.plan.depth, self.ctx.recently_used, shown,
                                                  self.ctx.preferences.depth_ceiling)
        if step.question_id:
            state.swapped = (*state.swapped, step.question_id)
        state.plan = state.plan.with_step(state.step, replace(step, question_id=question.id, text=""))
        state.part = 0
        b = ReplyBuilder().say(self.say("different_question"))
        self._step_prompt(state, b)
        return self.reply(b, state)

    @action("pause")
    def _pause(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage = Stage.PAUSED
        return self.reply(ReplyBuilder().say(self.say("paused")), state)

    # ----- turns ---------------------------------------------------------------
    @action("swap_turns")
    def _swap_turns(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.turns_swapped = tuple(sorted(set(state.turns_swapped) ^ {state.step}))
        state.order_unknown = tuple(i for i in state.order_unknown if i != state.step)
        return self.reply(ReplyBuilder().say(self.voice.swapped_line(state)), state)

    @action("go_first")
    def _go_first(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.order_unknown = tuple(sorted({*state.order_unknown, state.step}))
        return self.reply(ReplyBuilder().say(self.say("go_first_ack")), state)

    # ----- touch ---------------------------------------------------------------
    @action("start_touch")
    def _start_touch(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        b = ReplyBuilder()
        self.voice.touch_moment(state, state.current.seconds, b, first=True)
        state.part, state.touch_asked_again = 1, False
        return self.reply(b, state)

    @action("ask_touch_again")
    def _ask_touch_again(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.touch_asked_again = True
        return self.reply(ReplyBuilder().say(self.say("touch_again")), state)

    @action("more_time")
    def _more_time(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.extra_seconds += MORE_TIME_SECONDS
        b = ReplyBuilder().say(self.say("more_time_touch"))
        self.voice.touch_moment(state, MORE_TIME_SECONDS, b, first=False)
        return self.reply(b, state)

    @action("no_touch_tonight")
    def _no_touch_tonight(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        night = self.ctx.night or state.plan.night
        return self._touch_rests(state, replace(self.ctx.preferences, no_touch_night=night), "no_touch_tonight_done")

    @action("touch_off")
    def _touch_off(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self._touch_rests(state, replace(self.ctx.preferences, touch=False), "touch_off_done")

    def _touch_rests(self, state: SessionState, prefs: Preferences, key: str) -> Outcome:
        """No more touch moments: every touch step still ahead tonight is left out."""
        self._set_preferences(prefs)
        if not state.mid_ritual:
            return self._replan_if_offer(state, key)
        ahead = {i for i, s in enumerate(state.plan.steps) if s.kind == "touch" and (
            i > state.step or (i == state.step and state.part == 0))}
        state.skipped = tuple(sorted(set(state.skipped) | ahead))
        if state.stage is Stage.STEP and state.current.kind == "touch" and state.part == 0:
            return self._next_step(state, ReplyBuilder().say(self.say(key)))
        return self._remind(state, Command(CommandKind.UNKNOWN), key)

    @action("touch_on")
    def _touch_on(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        self._set_preferences(replace(self.ctx.preferences, touch=True, no_touch_night=None))
        if not state.mid_ritual:
            return self._replan_if_offer(state, "touch_on_done")
        return self._remind(state, command, "touch_on_later")

    def _replan_if_offer(self, state: SessionState, key: str) -> Outcome:
        if state.stage is Stage.OFFER:
            return self._replan(state, self.say(key))
        return self._remind(state, Command(CommandKind.UNKNOWN), key)

    # ----- depth -----------------------------------------------------------------
    @action("keep_light")
    def _keep_light(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        self._set_preferences(replace(self.ctx.preferences, depth_ceiling=Depth.LIGHT))
        if not state.mid_ritual:
            return self._replan_if_offer(state, "keep_light_done")
        swap_now = (state.stage is Stage.STEP and state.current.kind == "question" and state.part == 0
                    and self._question_depth(state, state.step) > Depth.LIGHT)
        self._repick_questions(state, Depth.LIGHT, include_current=swap_now)
        if swap_now:
            b = ReplyBuilder().say(self.say("keep_light_swap"))
            self._step_prompt(state, b)
            return self.reply(b, state)
        return self._remind(state, command, "keep_light_done")

    @action("go_deeper")
    def _go_deeper(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        self._set_preferences(replace(self.ctx.preferences, depth_ceiling=Depth.DEEPEST))
        if not state.mid_ritual:
            return self._replan_if_offer(state, "go_deeper_done")
        deeper = Depth(min(Depth.DEEPEST, state.plan.depth + 1))
        self._repick_questions(state, deeper, include_current=False)
        return self._remind(state, command, "go_deeper_done")

    def _not_again(self, state: SessionState) -> set[str]:
        """Questions not to choose for tonight's steps: those asked or swapped out, and those that echo
        what the ritual itself already says."""
        template = self.ctx.content.rituals.get(state.plan.ritual_id)
        twins = self.ctx.planner.twins_of(template) if template else frozenset()
        return set(state.swapped) | {s.question_id for s in state.plan.steps if s.question_id} | twins

    def _question_depth(self, state: SessionState, index: int) -> Depth:
        question = self.ctx.content.questions.get(state.plan.steps[index].question_id or "")
        return question.depth if question else Depth.LIGHT

    def _repick_questions(self, state: SessionState, depth: Depth, include_current: bool) -> None:
        """Choose tonight's remaining library questions again at ``depth``."""
        start = state.step if include_current else state.step + 1
        shown = self._not_again(state)
        plan = replace(state.plan, depth=depth)
        for index in range(start, len(plan.steps)):
            step = plan.steps[index]
            if step.kind != "question" or not step.question_id:
                continue
            rng = seeded_random(plan.household, plan.night, index, "depth", depth.name)
            question = self.ctx.planner.pick_question(rng, step.theme, depth, self.ctx.recently_used, shown,
                                                      self.ctx.preferences.depth_ceiling)
            shown.add(question.id)
            plan = plan.with_step(index, replace(step, question_id=question.id))
        state.plan = plan

    # ----- names and length ----------------------------------------------------------
    @action("names_heard")
    def _names_heard(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        """Names said on purpose are said back before they are kept: a misheard name would otherwise
        greet the couple every night, and names are what speech recognition gets wrong most."""
        names = tuple(n for n in command.names if n)[:2]
        if len(names) == 2 and names[0].lower() != names[1].lower():
            state.pending_names, state.asking_names = names, False
            return self.reply(ReplyBuilder().say(self.say("names_check", first=names[0], second=names[1])), state)
        state.pending_names, state.asking_names = (), True
        b = ReplyBuilder().say(self.say("names_unclear") if names else "", self.say("names_ask"))
        return self.reply(b, state)

    @action("names_keep")
    def _names_keep(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        first, second = state.pending_names
        self._set_preferences(replace(self.ctx.preferences, names=(first, second)))
        state.pending_names = ()
        b = ReplyBuilder().say(self.say("names_saved", first=first, second=second), self._where(state))
        return self.reply(b, state)

    @action("names_drop")
    def _names_drop(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.pending_names, state.asking_names = (), False
        return self.reply(ReplyBuilder().say(self.say("names_dropped"), self._where(state)), state)

    def _where(self, state: SessionState) -> str:
        """After a side request: the reprompt that says where the couple is."""
        return self._reprompt(state, self._reprompt_key(self.table.spec(phase_of(state))))

    @action("set_length")
    def _set_length(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        if command.minutes is None or command.minutes <= 0:
            key = "length_later" if state.mid_ritual else "length_missing"
            return self.reply(ReplyBuilder().say(self.say(key), self._where(state)), state)
        self._set_preferences(self.ctx.preferences.with_length(command.minutes))
        saved = self.say("length_saved", minutes=self.ctx.preferences.minutes)
        if state.stage in (Stage.OFFER, Stage.DECLINED):
            return self._replan(state, saved)
        return self.reply(ReplyBuilder().say(saved, self._where(state)), state)

    def _set_preferences(self, prefs: Preferences) -> None:
        """Change the household's preferences; the engine stores them after the turn."""
        self.ctx.preferences = prefs
        self.voice = replace(self.voice, names=prefs.names)

    # ----- the close ------------------------------------------------------------------
    def _complete(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        state.stage = Stage.FINISHED
        nights = None if self.ctx.done_tonight else self.ctx.nights_before + 1
        b.pause(BREATH)
        self.voice.closing(state, b, nights)
        steps = tuple(StepRecord(s.kind, s.content_id, i in state.skipped) for i, s in enumerate(state.plan.steps))
        completed = CompletedRitual(session_id=state.session_id, ritual_id=state.plan.ritual_id,
                                    night=state.plan.night, completed_at=self.ctx.now, front=self.ctx.front,
                                    steps=steps)
        b_card = self.say("finished_card", title=state.plan.title)
        reply = b.build("", card=b_card, end_session=True, title=state.plan.title)
        return Outcome(reply, state, completed=completed, clear_progress=True)


def _prefaced(outcome: Outcome, text: str) -> Outcome:
    """The outcome with ``text`` said first."""
    if text:
        first = ReplyBuilder().say(text)
        reply = outcome.reply
        outcome.reply = replace(reply, segments=(*first.segments, *reply.segments),
                                offers=tuple(dict.fromkeys((*first.offers, *reply.offers))))
    return outcome


def leave(state: SessionState, how: Left, table: DialogueTable | None = None) -> bool:
    """Note how a conversation that ended without Rekindle closing it was left (the front's microphone
    closed unanswered, or the couple ended it); True when the state is worth keeping for tonight.

    A microphone that closed where the couple talks had said how to come back in its reprompt, so that
    counts as waiting for them; a resume offer left unanswered keeps the reason it was made for.
    """
    if not (state.mid_ritual or state.stage is Stage.RESUME_OFFER):
        return False
    if state.left is None:
        listening = (table or default_dialogue()).spec(phase_of(state)).listening
        if how is Left.TIMED_OUT and listening is Listening.FREE_TALK:
            how = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
        state.left = how
    return True
