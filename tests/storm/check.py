"""Model-checks a PRISM file written by `verchain export --to prism` with
Storm (through stormpy) and prints, as JSON, for each label given:

  reach[t]  = P=? [ F<=t "label" ] from the initial state, t = 0 .. H
  long_run  = LRA=? [ "label" ], the long-run share of time in it

Usage: python check.py MODEL.pm H LABEL...
"""

import json
import sys

import stormpy


def main():
    path, horizon, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    program = stormpy.parse_prism_program(path)
    model = stormpy.build_model(program)
    initial = model.initial_states[0]

    def check(formula):
        properties = stormpy.parse_properties(formula, program)
        result = stormpy.model_checking(model, properties[0])
        return result.get_value(initial)

    answers = {}
    for label in labels:
        answers[label] = {
            "reach": [check(f'P=? [ F<={t} "{label}" ]') for t in range(horizon + 1)],
            "long_run": check(f'LRA=? [ "{label}" ]'),
        }
    print(json.dumps({"states": model.nr_states, "type": str(model.model_type), "labels": answers}))


if __name__ == "__main__":
    main()
