"""Local emulators of Anthropic's APIs for tests and rehearsals: loopback only, clearly simulated."""
