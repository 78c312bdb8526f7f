"""Dashboard helpers: i18n catalogs, number formatting, pure analysis and chart builders, cached data access."""
