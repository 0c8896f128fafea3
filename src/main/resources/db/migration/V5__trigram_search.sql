-- q (a case-insensitive substring of the name) is answered from a trigram index, so that a
-- search for a rare substring reads the rows that contain it, not the whole table.
-- pg_trgm is a trusted extension (PostgreSQL 13 and later): the owner of the database, or any
-- role with the CREATE privilege on it, may create it; older servers need a superuser. When
-- the role that runs the migrations may not, an administrator can create it beforehand
-- (this migration then only uses it).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'The catalog needs the PostgreSQL extension pg_trgm, and role "%" may not create it in database "%"', current_user, current_database()
            USING ERRCODE = 'insufficient_privilege',
                DETAIL = 'Creating pg_trgm (a trusted extension) needs the CREATE privilege on the database (PostgreSQL 13 or later), or a superuser.',
                HINT = format('Run GRANT CREATE ON DATABASE %I TO %I; or have a superuser run CREATE EXTENSION pg_trgm; in that database, then start the service again.', current_database(), current_user);
    WHEN undefined_file THEN
        RAISE EXCEPTION 'The catalog needs the PostgreSQL extension pg_trgm, which this server does not have installed'
            USING DETAIL = SQLERRM,
                HINT = 'Install the contrib extensions of your PostgreSQL version (Debian and Ubuntu: postgresql-contrib), then start the service again.';
END
$$;

CREATE INDEX items_name_trgm_idx ON items USING gin (name gin_trgm_ops);

-- Listings of one category sorted by name: every other sort already has its (category, key, id).
CREATE INDEX items_category_name_idx ON items (category, name, id);
