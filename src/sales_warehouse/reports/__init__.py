"""Reports: an Evidence-like static site from markdown pages with named queries and components.

Pages live in `reports/` (pages.py says how they are written). `build_site` (site.py) runs their
queries read-only against the published warehouse (or a role's extract), draws the components as
HTML and inline SVG (components.py, tables.py, charts.py, shapes.py) and writes plain HTML that
opens from file:// without any network access.
"""

from sales_warehouse.reports.pages import ReportError
from sales_warehouse.reports.site import BuildReport, SiteOptions, build_site

__all__ = ["BuildReport", "ReportError", "SiteOptions", "build_site"]
