"""The hotline's use cases: tickets, routing, the knowledge base, calls, Open311, operator work."""
