from sales_warehouse.cli import main

raise SystemExit(main())
