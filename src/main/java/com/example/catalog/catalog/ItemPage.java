package com.example.catalog.catalog;

import java.util.List;

/**
 * One keyset page of items; {@code nextCursor} is {@code null} on the last page.
 */
record ItemPage(List<Item> items, String nextCursor) {

}
