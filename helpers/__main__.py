from helpers.course.cli import main

raise SystemExit(main())
