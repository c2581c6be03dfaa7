"""Stage 3, the dataset.

Takes: `corpus/`, the reviewed gold and the manifest. Gives: `data/` (parquet
shards, one per plan and row kind), the dataset card (README.md) whose front
matter declares the configs, croissant.json and CITATION.cff. Next:
`evaluation`, and anyone's `datasets.load_dataset`.

    features  the schema of each row kind
    relations the tasks and measurements of documents, and their own configs
    tables    rows, shards, configs and folds; writing data/
    card      the card's metadata and body, generated from the rows
    croissant croissant.json: Croissant 1.0 with the Responsible-AI fields
    citation  CITATION.cff and the BibTeX of the card and croissant.json
    publish   the stage in one call
    results   the card's results table, from evaluation/results/*.json (plain data)
"""
