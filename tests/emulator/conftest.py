"""Emulator test fixtures: the pilot's (a manual clock, the emulator on a free port, a fake key and a temp home)."""

from tests.pilot.conftest import clock, emu, pilot_env

__all__ = ["clock", "emu", "pilot_env"]
