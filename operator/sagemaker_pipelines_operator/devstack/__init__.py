"""`smpo dev`: the whole system on one machine — control plane, emulator, operator, examples."""
