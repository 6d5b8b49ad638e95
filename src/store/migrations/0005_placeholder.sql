-- Stand-in for migration 0005, which it replaces.
SELECT 1;
