"""Local emulators of Anthropic's APIs for tests and rehearsals: loopback only, clearly simulated."""

from emulator.batches import Emulator, EmulatorConfig, ManualClock

__all__ = ["Emulator", "EmulatorConfig", "ManualClock"]
