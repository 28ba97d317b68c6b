from numrec.cli import main

raise SystemExit(main())
