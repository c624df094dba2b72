"""The hotline's pure rules: the ticket state machine, call events, Open311's format. No store, no web."""
