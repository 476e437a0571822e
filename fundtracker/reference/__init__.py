"""Reference data: currencies, countries with their dated UN status, instruments, implementing entities."""
