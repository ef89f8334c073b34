"""`smpo test`: scenario files run against an in-process emulator."""
