-- A listing with a price window and a sort other than price walks the sort's index and passes
-- over every row outside the window. With the price in the index (INCLUDE) it passes over them
-- in the index alone and reads only the page's rows (PageStatements.pricedListing): at a million
-- items a 1 % window sorted by name read 10,000 heap pages for a page of 100. Every index of a
-- sort other than price carries it, except the primary key (a window sorted by id alone keeps
-- reading rows, or takes the window from items_price_idx).
DROP INDEX items_name_idx;
CREATE INDEX items_name_idx ON items (name, id) INCLUDE (price_cents);

DROP INDEX items_created_idx;
CREATE INDEX items_created_idx ON items (created_at, id) INCLUDE (price_cents);

DROP INDEX items_category_id_idx;
CREATE INDEX items_category_id_idx ON items (category, id) INCLUDE (price_cents);

DROP INDEX items_category_name_idx;
CREATE INDEX items_category_name_idx ON items (category, name, id) INCLUDE (price_cents);

DROP INDEX items_category_created_idx;
CREATE INDEX items_category_created_idx ON items (category, created_at, id) INCLUDE (price_cents);
