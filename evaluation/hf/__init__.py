"""The transformers path (optional extra `hf`: torch and transformers).

Takes: gold units (`evaluation.inputs`) and any local token-classification
checkpoint. Gives: a character-level model for `evaluation.models.hf`, a
`compute_metrics` for `transformers.Trainer` with the scorer's strict
numbers, and a fine-tuning script (`python -m evaluation.hf.finetune`).

    chars     one character per word: encoding, alignment of subword
              tokens to code-point spans, prediction
    finetune  fine-tuning on the dataset, compute_metrics, the script
    tiny      a tiny BERT with random weights and a character vocabulary
              from train (the recipe check; no pre-training, no download)

The dataset's `tokens` config trains one character per token, so a model
must also predict on characters: a WordPiece pipeline over raw text splits
digit runs (2025 -> 2 ##0 ##2 ##5) and scores the same model wrongly.
Nothing is downloaded: checkpoints are local paths.
"""
