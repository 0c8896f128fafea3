-- Every change to an item makes a new version, whoever makes it (the service or plain SQL): the
-- item's ETag names its version, and a conditional write (If-Match) changes the item only while
-- it is still at the version the client read, decided in the UPDATE or DELETE statement itself.

ALTER TABLE items ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION items_next_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER items_next_version BEFORE UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_next_version();
