from wikistream_dagster.cli import main

raise SystemExit(main())
