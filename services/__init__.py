"""Local instances of the real services Lineage talks to (Neo4j, an S3 server), for dev and CI."""
