"""The boto3 adapter: sessions per region and role, one rate budget, error classes, metrics."""
