"""One Encoder / Tokenizer shared by 8 Python threads gives exactly the serial results.

The bindings release the GIL while encoding, so these threads really run the C++ side at the
same time; the results must still be bit-identical to one-by-one calls."""
import threading

import numpy as np

THREADS = 8


def texts_for(thread):
    base = ["I love data science", ("He went to the bank.", "The river bank was muddy."),
            "Ünïcödé naïve café — 東京 and ½", "a " * 200]
    return base + ["thread %d sentence %d" % (thread, i) for i in range(thread + 1)]


def run_together(body):
    """body(t) on THREADS threads released at once; returns results, re-raises the first error."""
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def worker(t):
        barrier.wait()
        try:
            results[t] = body(t)
        except BaseException as e:  # noqa: B902 - re-raised below in the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return results


def test_encoder_from_eight_threads_is_bit_identical_to_serial(encoder):
    serial = [encoder.encode(texts_for(t)) for t in range(THREADS)]
    for _ in range(2):
        got = run_together(lambda t: encoder.encode(texts_for(t)))
        for t in range(THREADS):
            assert got[t].dtype == np.float32 and got[t].shape == serial[t].shape
            assert got[t].tobytes() == serial[t].tobytes(), "thread %d differs from serial" % t


def test_encoder_with_other_batch_sizes_from_eight_threads(encoder):
    serial = [encoder.encode(texts_for(t), batch_size=1 + t % 3) for t in range(THREADS)]
    got = run_together(lambda t: encoder.encode(texts_for(t), batch_size=1 + t % 3))
    for t in range(THREADS):
        assert got[t].tobytes() == serial[t].tobytes(), "thread %d differs from serial" % t


def test_tokenizer_from_eight_threads(tokenizer):
    inputs = ["Sentence %d with ünïcödé and 東京 %s" % (i, "!" * (i % 7)) for i in range(300)]
    serial = [e.ids for e in tokenizer.encode_batch(inputs, max_length=24)]
    got = run_together(lambda t: [e.ids for e in tokenizer.encode_batch(inputs, max_length=24)])
    for t in range(THREADS):
        assert got[t] == serial, "thread %d differs from serial" % t
