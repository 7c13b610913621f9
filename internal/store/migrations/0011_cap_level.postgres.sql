-- Professional situations get the CAP level (issue 10: a CAP student's sheets are CAP
-- level). PostgreSQL alters the CHECK in place; 0011_cap_level.sqlite.sql rebuilds the
-- table, which SQLite needs to change a CHECK.
ALTER TABLE situations DROP CONSTRAINT situations_level_check;
ALTER TABLE situations ADD CONSTRAINT situations_level_check CHECK (level IN ('bac', 'bep', 'cap'));
