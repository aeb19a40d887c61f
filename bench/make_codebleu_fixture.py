"""Write tests/fixtures/codebleu_oracle.json: the ``codebleu==0.7.0`` package's scores on
hand-written pairs, for tests/rewards/test_codebleu_oracle.py.

Run with coderl's python; the oracle runs in its own venv (see bench/codebleu_agreement.py)
under several ``PYTHONHASHSEED`` values, since its data-flow match depends on string hashing:

    python bench/make_codebleu_fixture.py --oracle-python /work/oracle-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codebleu_agreement import oracle

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "codebleu_oracle.json"

PY_REF = """def count_even(numbers, limit):
    total = 0
    for n in numbers:
        if n % 2 == 0 and n < limit:
            total = total + n
    result = total * 2
    return result
"""
PY_RENAMED = """def count_even(values, bound):
    acc = 0
    for v in values:
        if v % 2 == 0 and v < bound:
            acc = acc + v
    out = acc * 2
    return out
"""
PY_DELETED = """def count_even(numbers, limit):
    total = 0
    for n in numbers:
        if n % 2 == 0 and n < limit:
            total = total + n
    return total
"""
PY_SWAPPED = """def fib(n):
    b = 1
    a = 0
    while n > 0:
        a, b = b, a + b
        n = n - 1
    return a
"""
PY_FIB = """def fib(n):
    a = 0
    b = 1
    while n > 0:
        a, b = b, a + b
        n = n - 1
    return a
"""
PY_NO_FLOW = "def f(x):\n    print(1)\n"
PY_SHORT_REF = "def g(a):\n    b = a + 1\n    c = b * a\n    return c\n"

JAVA_REF = """class Main {
    static int sum(int[] arr, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) {
            s += arr[i];
        }
        return s;
    }
    public static void main(String[] args) {
        int[] arr = {1, 2, 3};
        int n = arr.length;
        System.out.println(sum(arr, n));
    }
}
"""
JAVA_RENAMED = JAVA_REF.replace("arr", "xs").replace(" s ", " acc ").replace("s +=", "acc +=")
JAVA_RENAMED = JAVA_RENAMED.replace("return s;", "return acc;")
JAVA_WHILE = """class Main {
    static int sum(int[] arr, int n) {
        int s = 0;
        int i = 0;
        while (i < n) {
            s = s + arr[i];
            i++;
        }
        return s;
    }
    public static void main(String[] args) {
        int[] arr = {1, 2, 3};
        System.out.println(sum(arr, arr.length));
    }
}
"""
JAVA_BROKEN = "class Main { static int sum(int[] arr { int s = 0; return s }"

CPP_REF = """#include <bits/stdc++.h>
using namespace std;
int maxOf(int a[], int n) {
    int best = a[0];
    for (int i = 1; i < n; i++)
        if (a[i] > best)
            best = a[i];
    return best;
}
int main() {
    int a[] = {3, 9, 4};
    int n = sizeof(a) / sizeof(a[0]);
    cout << maxOf(a, n) << endl;
    return 0;
}
"""
CPP_RENAMED = CPP_REF.replace("best", "m").replace("maxOf", "largest")
CPP_OTHER = """#include <iostream>
using namespace std;
int main() {
    int x, y;
    cin >> x >> y;
    int z = x * y;
    z += x;
    cout << z << "\\n";
    return 0;
}
"""
C_REF = """#include <stdio.h>
int main(void) {
    int n = 10, total = 0;
    for (int i = 0; i < n; i++) {
        total += i * i;
    }
    printf("%d\\n", total);
    return 0;
}
"""
C_EDITED = C_REF.replace("i * i", "i").replace("n = 10", "n = 5")

PAIRS: dict[str, list[tuple[str, str, str]]] = {
    # name: (hypothesis, reference)
    "python": [
        ("identical", PY_REF, PY_REF),
        ("renamed", PY_RENAMED, PY_REF),
        ("deleted_line", PY_DELETED, PY_REF),
        ("swapped_statements", PY_SWAPPED, PY_FIB),
        ("different_program", PY_FIB, PY_REF),
        ("no_dataflow_match", PY_NO_FLOW, PY_SHORT_REF),
    ],
    "java": [
        ("identical", JAVA_REF, JAVA_REF),
        ("renamed", JAVA_RENAMED, JAVA_REF),
        ("for_to_while", JAVA_WHILE, JAVA_REF),
        ("syntax_error", JAVA_BROKEN, JAVA_REF),
    ],
    "cpp": [
        ("identical", CPP_REF, CPP_REF),
        ("renamed", CPP_RENAMED, CPP_REF),
        ("different_program", CPP_OTHER, CPP_REF),
    ],
    "c": [("identical", C_REF, C_REF), ("edited", C_EDITED, C_REF)],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oracle-python", required=True, help="python of the codebleu venv")
    parser.add_argument("--hash-seeds", type=int, default=5)
    args = parser.parse_args()
    cases = []
    for lang, named in PAIRS.items():
        pairs = [(hyp, ref) for _, hyp, ref in named]
        runs = [oracle(args.oracle_python, lang, pairs, seed) for seed in range(args.hash_seeds)]
        for i, (name, hyp, ref) in enumerate(named):
            per_seed = [run["pairs"][i] for run in runs]
            cases.append(
                {
                    "lang": lang,
                    "name": name,
                    "hypothesis": hyp,
                    "reference": ref,
                    "oracle": per_seed,
                }
            )
        cases.append(
            {
                "lang": lang,
                "name": "corpus",
                "hypotheses": [h for h, _ in pairs],
                "references": [r for _, r in pairs],
                "oracle": [run["corpus"] for run in runs],
            }
        )
    fixture = {
        "generated_by": "bench/make_codebleu_fixture.py, from the PyPI package codebleu==0.7.0 "
        "(tree-sitter 0.22.3, tree-sitter-python 0.21.0, -java 0.21.0, -cpp 0.22.3, -c 0.21.4) "
        "in a separate venv; 'oracle' holds its scores under PYTHONHASHSEED=0,1,...",
        "cases": cases,
    }
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {FIXTURE}")


if __name__ == "__main__":
    main()
