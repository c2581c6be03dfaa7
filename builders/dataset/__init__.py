"""Stage 3, the dataset.

Takes: `corpus/`, the reviewed gold and the manifest. Gives: `data/` (parquet
shards, one per plan and row kind) and the dataset card (README.md) whose
front matter declares the configs. Next: `evaluation`, and anyone's
`datasets.load_dataset`.

    features  the schema of each row kind
    relations the tasks and measurements of documents, and their own configs
    tables    rows, shards, configs and folds; writing data/
    card      the card's metadata and body, generated from the rows
    publish   the stage in one call
"""
