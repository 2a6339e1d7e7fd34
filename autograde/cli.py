"""The ``autograde`` command: build the course, check and grade notebooks.

Exit codes: 0 success (for ``check``: full marks), 1 the check found lost points or
the build is stale, 2 bad input, with a one-line message and no traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

# Set before anything imports TensorFlow; graded kernels inherit the environment.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograde", description="Build, check and grade the style-transfer course. "
        "Instructors: `autograde course DIR`, then `autograde grade SUBMISSIONS --course "
        "DIR`, then `jupyter lab` in DIR for the Formgrader.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = sub.add_parser(
        "release", help="regenerate solution bodies, lessons/, samples",
        description="Contributors: rebuild the generated parts of the repository from "
        "solutions/ and the reference packages (solution bodies, public expected values, "
        "lessons/, autograde/sources/, autograde/samples/), in place.")
    release.add_argument("--root", type=Path, help="repository root (default: found from cwd)")
    release.add_argument("--check", action="store_true",
                         help="only report generated files that are out of date (exit 1)")

    check = sub.add_parser(
        "check", help="grade your own notebooks as the grader will",
        description="Students: grade lesson notebooks exactly as the instructor will, hidden "
        "tests included, in a throw-away course, and print a table per lesson. Nothing is "
        "written next to your notebooks. Exit code 0 only at full marks.")
    check.add_argument("notebooks", nargs="*", type=Path,
                       help="lesson notebooks (default: all in ./lessons or the current folder)")

    grade = sub.add_parser(
        "grade", help="grade a folder of <student>/<lesson>.ipynb",
        description="Instructors: grade every <student>/<lesson>.ipynb in SUBMISSIONS, each "
        "in a sandboxed kernel. With --course DIR the scores go into DIR's gradebook (the "
        "one the Formgrader shows), feedback pages into DIR/feedback/<student>/<lesson>/, "
        "and grades.csv into DIR (or --out). With --out OUT alone the course is OUT/course "
        "and the pages are copied to OUT/feedback/<student>/<lesson>.html. Re-running "
        "regrades in place; notebooks unchanged since they were graded are kept, so an "
        "interrupted run, run again, grades only what is missing.")
    grade.add_argument("submissions", type=Path,
                       help="folder of <student>/<lesson>.ipynb; <student> names the student")
    grade.add_argument("--course", type=Path,
                       help="the nbgrader course folder to grade into (see `autograde "
                       "course`); created if missing")
    grade.add_argument("--out", type=Path,
                       help="folder for grades.csv and protections.txt (default: the "
                       "--course folder); alone: also the course (OUT/course) and feedback/")
    grade.add_argument("--jobs", type=int, default=1,
                       help="notebooks graded at the same time (default 1)")
    grade.add_argument("--scheduler", metavar="tcp://HOST:8786",
                       help="grade on a Dask cluster: the address of its scheduler (`dask "
                       "scheduler`); --jobs is then unused. Workers must see the course and "
                       "submissions at the same paths (see docs/course.md)")
    limits = grade.add_argument_group("limits per notebook")
    limits.add_argument("--memory", default="4G", help="memory, e.g. 4G (default 4G)")
    limits.add_argument("--cell-timeout", type=float, default=180.0,
                        help="seconds per cell (default 180)")
    limits.add_argument("--notebook-timeout", type=float, default=900.0,
                        help="seconds per notebook, kernel start included (default 900)")
    limits.add_argument("--max-output", default="16M",
                        help="printed and displayed output, e.g. 16M (default 16M)")
    limits.add_argument("--max-tasks", type=int, default=None,
                        help="processes plus threads (default 128 + 4 per CPU)")
    limits.add_argument("--allow-network", action="store_true",
                        help="let notebooks use the network (off by default)")

    demo = sub.add_parser(
        "demo", help="grade the bundled sample submissions",
        description="Grade three bundled sample students (correct, untouched, typical "
        "mistakes) and print the gradebook. With --out DIR the results stay in DIR, a "
        "course folder like one from `autograde course` (run `jupyter lab` there); "
        "otherwise they go to a temporary folder that is removed.")
    demo.add_argument("--out", type=Path, help="keep the course, grades.csv and feedback here")

    course = sub.add_parser(
        "course", help="set up an nbgrader course folder for instructors",
        description="Create or update the nbgrader course folder DIR: nbgrader_config.py, "
        "source/ and release/ for every lesson, the gradebook, the exchange (DIR/exchange) "
        "and the feedback folder. Grade into it with `autograde grade SUBMISSIONS --course "
        "DIR`; run `jupyter lab` in DIR for the Formgrader. Grades already there are kept.")
    course.add_argument("directory", type=Path, help="the course folder (created if missing)")
    course.add_argument("--root", type=Path, help="repository root holding solutions/")
    handout = sub.add_parser(
        "handout", help="build the student edition: lessons and a wheel without answers",
        description="Instructors: write into OUT what a class gets: the student lessons, a "
        "wheel of the packages in which every graded function is a stub (same import "
        "names; hints shipped as recorded numbers) and a README for students. No "
        "solutions, hidden tests or reference bodies go in. Release lesson by lesson with "
        "--lessons.")
    handout.add_argument("out", type=Path, help="new folder for the handout")
    handout.add_argument("--lessons", help="comma-separated lesson names (default: all), "
                         "e.g. 01_images_and_features,02_content_cost")
    handout.add_argument("--root", type=Path, help="repository root (default: found from cwd)")
    for command in (check, grade, demo, course, release, handout):
        command.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return parser


def _release(args) -> int:
    from autograde.build.release import build, drift, find_root

    root = find_root(args.root)
    if args.check:
        stale = drift(root, progress=not args.quiet)
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            print("run `autograde release` and commit the result.")
            return 1
        print("all generated notebooks are up to date.")
        return 0
    report = build(root, progress=not args.quiet)
    for path in report.written:
        print(f"wrote {path}")
    print(f"{len(report.written)} file(s) written, {len(report.unchanged)} unchanged.")
    return 0


def _handout(args) -> int:
    from autograde.build.handout import build_handout
    from autograde.build.release import find_root

    lessons = [name.strip() for name in args.lessons.split(",")] if args.lessons else None
    made = build_handout(args.out, find_root(args.root), lessons)
    print(f"wrote {made.folder}: {len(made.lessons)} lesson(s), {made.wheel.name}, README.md")
    print(f"students: pip install wheels/{made.wheel.name}; jupyter lab lessons/; "
          "autograde check")
    return 0


def _check(args) -> int:
    from autograde.grader.report import lesson_table
    from autograde.grader.selfcheck import check_notebooks, default_notebooks

    paths = args.notebooks or default_notebooks()
    results = check_notebooks(paths, progress=not args.quiet)
    for result in results:
        print(lesson_table(result))
        print()
    score = sum(r.score for r in results)
    total = sum(r.max_score for r in results)
    print(f"TOTAL {score:g} / {total:g}")
    from autograde.graded.recorded import edition

    if edition() == "student":
        print("Public cases only: the hidden cases (other shapes and seeds) run when your "
              "instructor grades.")
    return 0 if all(r.full_marks for r in results) else 1


def _grade(args) -> int:
    from autograde.grader.batch import Layout, grade_submissions
    from autograde.grader.report import summary_table
    from autograde.sandbox.limits import Limits, parse_size

    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}.")
    options = {"memory_bytes": parse_size(args.memory), "cell_seconds": args.cell_timeout,
               "notebook_seconds": args.notebook_timeout,
               "output_bytes": parse_size(args.max_output), "network": args.allow_network}
    if args.max_tasks is not None:
        options["max_tasks"] = args.max_tasks
    limits = Limits(**options)
    # Being terminated unwinds like Ctrl-C, so the workers stop their kernels first.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    layout = Layout.of(args.out, args.course)
    results, skipped = grade_submissions(
        args.submissions, args.out, course=args.course, progress=not args.quiet,
        jobs=args.jobs, limits=limits, scheduler=args.scheduler, resume=True,
        announce=lambda line: print(f"protection: {line}", file=sys.stderr))
    for warning in skipped:
        print(f"warning: {warning}", file=sys.stderr)
    print(summary_table(results))
    print(f"wrote {layout.out / 'grades.csv'} and the feedback pages "
          f"{layout.feedback_pattern}")
    print(f"gradebook: {layout.course / 'gradebook.db'}; for the Formgrader run "
          f"`jupyter lab` in {layout.course}")
    return 0


def _demo(args) -> int:
    from autograde.grader.demo import run_demo

    run_demo(args.out, progress=not args.quiet)
    return 0


def _course(args) -> int:
    from autograde.build.release import SOLUTIONS, find_root
    from autograde.grader.course import GRADING_SOURCES, prepare_course

    # The instructor's notebooks (with the answers) when a checkout is at hand; the
    # packaged grading sources otherwise.
    if args.root is not None:
        sources = Path(args.root) / SOLUTIONS
        if not sources.is_dir():
            raise ValueError(f"{args.root} has no solutions/ folder; pass the repository "
                             "root, or leave out --root to use the packaged lessons.")
    else:
        try:
            sources = find_root() / SOLUTIONS
        except ValueError:
            sources = GRADING_SOURCES
    prepare_course(args.directory, sources, progress=not args.quiet)
    print(f"course ready in {args.directory} (sources from {sources}).")
    print(f"next: autograde grade SUBMISSIONS --course {args.directory}; then "
          f"`cd {args.directory} && jupyter lab` and open Nbgrader > Formgrader.")
    return 0


COMMANDS = {"release": _release, "check": _check, "grade": _grade, "demo": _demo,
            "course": _course, "handout": _handout}
#: What the student edition offers; the rest needs the instructor's copy (the reference).
STUDENT_COMMANDS = ("check",)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``autograde`` console script."""
    args = build_parser().parse_args(argv)
    from autograde.graded.recorded import edition

    if edition() == "student" and args.command not in STUDENT_COMMANDS:
        print(f"autograde {args.command}: error: not in the student edition; it needs the "
              "course repository (the instructor's copy). Students run `autograde check`.",
              file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except (ValueError, RuntimeError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"autograde {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograde: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
