"""bertcpp: BERT encoders on the CPU. Text in, vectors out.

    import bertcpp
    vectors = bertcpp.encode(["I love data science"])      # float32 (1, 256), bundled model

    encoder = bertcpp.Encoder(pooling_strategy="CLS_TOKEN", pooling_layer=-1)
    encoder.fill_mask("He drank a cup of [MASK].")

    from bertcpp import BertClient                          # bert-as-service's client, in-process
    bc = BertClient()
    bc.encode(["First do it", "then do it right"])

Importing is cheap: no model is loaded until an Encoder (or encode) needs one.
"""
from ._bertcpp import Encoding, Tokenizer, BertModel, Cancelled, cpu_info, __version__
from .models import bundled_model_dir, resolve_model_dir
from .encoder import Encoder, encode, quantize_check, quantize_embeddings
from .client import BertClient

__all__ = ["Encoder", "encode", "Tokenizer", "Encoding", "BertModel", "BertClient", "Cancelled",
           "bundled_model_dir", "resolve_model_dir", "quantize_check", "quantize_embeddings", "cpu_info",
           "__version__"]
