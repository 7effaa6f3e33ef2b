"""The model-based test of tests/reliability/test_state_machine.py, by service: the world
every example shares (world.py), the earning and review rules (earning.py) and the
redemption rules (redeeming.py), all moved verbatim into mixins of the one machine."""
