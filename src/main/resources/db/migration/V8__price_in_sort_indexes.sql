-- A listing with a price window sorted by name or by creation, in no category, walks the sort's
-- index and passes over every row outside the window. With the price in the index (INCLUDE) it
-- passes over them in the index alone and reads only the page's rows
-- (PageStatements.pricedListing): at a million items a 1 % window sorted by name read 10,000
-- heap pages for a page of 100. Within a category the window is read from
-- items_category_price_idx or the category's sort index as before.
DROP INDEX items_name_idx;
CREATE INDEX items_name_idx ON items (name, id) INCLUDE (price_cents);

DROP INDEX items_created_idx;
CREATE INDEX items_created_idx ON items (created_at, id) INCLUDE (price_cents);
