"""Errors the command line reports as one clear line, without a stack trace."""


class UserError(Exception):
    """A problem the user can fix (bad option, missing device, wrong setting)."""
