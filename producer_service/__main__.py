from producer_service.service import main

raise SystemExit(main())
