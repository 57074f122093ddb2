#!/usr/bin/env python3
"""Tweet classification with bertcpp embeddings + logistic regression, next to TF-IDF.

The task of the bert-as-service article: embed each tweet with BERT, train a logistic
regression on 75% of them, score the other 25%. Runs on

  - the bundled data/trump_tweets.csv (default): non-retweets, label = sent from
    "Twitter for Android" (1) vs "Twitter for iPhone" (0), other clients dropped;
  - the article's file unchanged:  --csv train_E6oV3lV.csv   (columns id, label, tweet).

    .venv/bin/python examples/classify_tweets.py
    .venv/bin/python examples/classify_tweets.py --pooling CLS_TOKEN --layer -1 --clean
"""
import argparse
import html
import os
import re
import sys
import time

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

import bertcpp

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLED_CSV = os.path.join(REPO, "data", "trump_tweets.csv")

# What the article's cleaning regexes meant to do (they were broken: `@[\w]*` inside a
# non-raw string, a punctuation class that also ate '#' words, ...).
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_HASH = re.compile(r"#(\w)")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_SPACE = re.compile(r"\s+")


def clean_tweet(text):
    """Removes URLs, @mentions, the '#' of hashtags (keeping the word), HTML entities such
    as &amp; and extra whitespace."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASH.sub(r"\1", text)
    text = _ENTITY.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def load(args):
    """(texts, labels) with labels 1 for --positive, 0 otherwise (only --negative if given)."""
    frame = pd.read_csv(args.csv, dtype=str, keep_default_na=False, encoding=args.encoding)
    for column in (args.text_column, args.label_column):
        if column not in frame.columns:
            sys.exit("%s: no column %r (columns: %s)" % (args.csv, column, ", ".join(frame.columns)))
    if "is_retweet" in frame.columns:  # the bundled file: a retweet is someone else's text
        frame = frame[frame["is_retweet"].str.upper() != "TRUE"]
    labels = frame[args.label_column].str.strip()
    if args.negative is not None:
        frame = frame[labels.isin([args.positive, args.negative])]
        labels = frame[args.label_column].str.strip()
    texts = frame[args.text_column]
    if args.clean:
        texts = texts.map(clean_tweet)
    keep = texts.str.strip() != ""
    return texts[keep].tolist(), (labels[keep] == args.positive).astype(int).to_numpy()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", help="CSV file (default: the bundled data/trump_tweets.csv)")
    p.add_argument("--text-column", help="default: text (bundled) / tweet (other files)")
    p.add_argument("--label-column", help="default: source (bundled) / label (other files)")
    p.add_argument("--positive", help="label value of class 1 (default: 'Twitter for Android' / '1')")
    p.add_argument("--negative", help="label value of class 0; rows with other labels are dropped "
                                      "(default: 'Twitter for iPhone' / every other value)")
    p.add_argument("--encoding", default="utf-8", help="CSV encoding (the article's file: latin-1 also works)")
    p.add_argument("--clean", dest="clean", action="store_true", default=False,
                   help="clean tweets first (URLs, @mentions, '#', HTML entities, whitespace)")
    p.add_argument("--no-clean", dest="clean", action="store_false", help="raw text (default)")
    p.add_argument("--model", default=None, help="model directory (default: the bundled bert-mini-uncased)")
    p.add_argument("--pooling", default="REDUCE_MEAN", help="pooling strategy (default: REDUCE_MEAN)")
    p.add_argument("--layer", type=int, nargs="+", default=[-2], help="layer(s) to pool (default: -2)")
    p.add_argument("--max-seq-len", type=int, default=None, help="truncate to this many tokens (default: none)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--precision", default="float32", choices=["float32", "bfloat16", "int8"],
                   help="the dense products' precision (default: float32)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N rows (quick runs)")
    args = p.parse_args(argv)
    bundled = args.csv is None
    args.csv = BUNDLED_CSV if bundled else args.csv
    defaults = (("text", "source", "Twitter for Android", "Twitter for iPhone") if bundled
                else ("tweet", "label", "1", None))
    for name, value in zip(("text_column", "label_column", "positive", "negative"), defaults):
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv=None):
    args = parse_args(argv)
    texts, labels = load(args)
    if args.limit:
        texts, labels = texts[:args.limit], labels[:args.limit]
    print("%s: %d texts, %.1f%% positive (%s)" % (os.path.basename(args.csv), len(texts), 100 * labels.mean(),
                                                  args.positive))
    x_train, x_test, y_train, y_test = train_test_split(texts, labels, test_size=0.25, random_state=42)

    rows = []
    tfidf = TfidfVectorizer(ngram_range=(1, 2))
    lr = LogisticRegression(max_iter=1000).fit(tfidf.fit_transform(x_train), y_train)
    predicted = lr.predict(tfidf.transform(x_test))
    rows.append(("TF-IDF (1-2 grams) + LR", accuracy_score(y_test, predicted), f1_score(y_test, predicted), None, None))

    encoder = bertcpp.Encoder(args.model, pooling_strategy=args.pooling,
                              pooling_layer=args.layer[0] if len(args.layer) == 1 else args.layer,
                              max_seq_len=args.max_seq_len, threads=args.threads, batch_size=args.batch_size,
                              precision=args.precision)
    start = time.perf_counter()
    train_vectors = encoder.encode(x_train)
    test_vectors = encoder.encode(x_test)
    seconds = time.perf_counter() - start
    lr = LogisticRegression(max_iter=1000).fit(train_vectors, y_train)
    predicted = lr.predict(test_vectors)
    name = "bertcpp %s layer %s + LR" % (encoder.pooling_strategy, ",".join(map(str, args.layer)))
    rows.append((name, accuracy_score(y_test, predicted), f1_score(y_test, predicted), seconds, len(texts) / seconds))

    print("model: %s (dim %d), max_seq_len %s, %s text" % (encoder.model_dir, encoder.dim, args.max_seq_len,
                                                          "cleaned" if args.clean else "raw"))
    print("%-36s %8s %8s %10s %12s" % ("method", "accuracy", "F1", "embed [s]", "sentences/s"))
    for name, acc, f1, secs, rate in rows:
        print("%-36s %8.3f %8.3f %10s %12s" % (name, acc, f1, "-" if secs is None else "%.1f" % secs,
                                               "-" if rate is None else "%.0f" % rate))
    return rows


if __name__ == "__main__":
    main()
