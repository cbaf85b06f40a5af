"""Long-running checks that print figures (speed, endurance, faults); never part of the fast test suite."""
