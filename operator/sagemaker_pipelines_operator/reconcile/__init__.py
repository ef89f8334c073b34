"""Pure decisions: desired + observed state in, actions and a new status out. No I/O here."""
