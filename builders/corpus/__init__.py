"""Stage 1, the corpus.

Takes: `seeds/` (the raw plans byte for byte, `plans.yaml`, the reviewed
repair tables). Gives: `corpus/`, one folder per plan with the clean text, its
Simplified form, the clean->raw offset map, the edit log, blocks and units.
Next: `builders.annotation`.

    seeds    read and check the manifest, raw files and repair tables
    clean    repair noise in passes, every edit logged in raw offsets
    garble   the GBK byte model that checks garbled-run repairs
    segment  headings, task items, sentences and responsibility trailers
    store    write and read corpus/
    similarity  sketches of the seeds' texts: add-plan's same-text and near-duplicate checks
"""
