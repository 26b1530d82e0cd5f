"""The index on disk: the build, its model passes, vector reuse, the writer, and the folder with its manifest."""
