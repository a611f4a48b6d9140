-- X's bill (issue 18): what the hub read and posted on X, once per resource and UTC day, as X
-- charges it (a resource read twice in the same UTC day is charged once).
CREATE TABLE x_usage (
    day DATE NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('owned_read', 'post_created', 'post_with_link')),
    resource_id VARCHAR NOT NULL,
    PRIMARY KEY (day, kind, resource_id)
);
