"""`python -m emulator --port 8765`: run the SIMULATED Message Batches API on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import sys
import time

from emulator.batches import Emulator, EmulatorConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Local, SIMULATED Anthropic Message Batches API (127.0.0.1 only). Results are made up.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for result types and outputs (batch ids are random: never reissued after a restart)",
    )
    parser.add_argument("--turnaround-seconds", type=float, default=10.0, help="creation → ended [s]")
    parser.add_argument(
        "--result-mix",
        default='{"succeeded": 0.9, "errored": 0.05, "expired": 0.05}',
        help="JSON weights of result types (succeeded, errored, expired, canceled)",
    )
    parser.add_argument("--bad-output-share", type=float, default=0.0, help="share of succeeded results not JSON")
    args = parser.parse_args(argv)
    try:
        mix = json.loads(args.result_mix)
        if not isinstance(mix, dict) or not mix:
            raise ValueError
    except ValueError:
        print('--result-mix must be a JSON object like {"succeeded": 0.9, "errored": 0.1}', file=sys.stderr)
        return 2
    config = EmulatorConfig(
        seed=args.seed,
        turnaround_seconds=args.turnaround_seconds,
        result_mix={str(k): float(v) for k, v in mix.items()},
        bad_output_share=args.bad_output_share,
    )
    with Emulator(config, port=args.port) as emu:
        print(f"SIMULATED Message Batches API on {emu.base_url} (any non-empty API key is accepted)", flush=True)
        print(f"use: ANTHROPIC_BASE_URL={emu.base_url} ANTHROPIC_API_KEY=sk-emulator ...", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
