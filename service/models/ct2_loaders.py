"""CTranslate2 converter fixes for transformers 5 (M2M100 vocabulary, BART config); import registers."""

# Importing this module replaces two loaders in CTranslate2's converter registry, each a subclass
# of CTranslate2's own; everything else about the conversion is CTranslate2's code.
#
# - M2M100: transformers 5's M2M100Tokenizer no longer lists the `__xx__` language tokens in
#   get_vocab(), so the converter's vocabulary came out short of the embedding matrix ("Source
#   vocabulary 0 has size 809 but the model expected 909"). The vocabulary is rebuilt by id.
# - BART: transformers 5's BartConfig dropped `normalize_before`, which the loader reads. BART is
#   post-norm, so the missing value is False.

from __future__ import annotations

from typing import Any

from ctranslate2.converters import transformers as ct2_transformers

from service.models.ct2_vocab import m2m100_vocabulary


@ct2_transformers.register_loader("M2M100Config")
class M2M100Loader(ct2_transformers.M2M100Loader):  # type: ignore[misc]
    """M2M100 and NLLB; M2M100's vocabulary is rebuilt with its language tokens."""

    def get_vocabulary(self, model: Any, tokenizer: Any) -> list[str]:
        """Every token in id order, up to the model's vocabulary size."""
        language_tokens = getattr(tokenizer, "lang_token_to_id", None)
        if not language_tokens:  # NllbTokenizer lists its language codes itself
            tokens: list[str] = super().get_vocabulary(model, tokenizer)
            return tokens
        return m2m100_vocabulary(
            tokenizer.get_vocab(),
            language_tokens,
            int(model.config.vocab_size),
            int(getattr(tokenizer, "num_madeup_words", 0)),
        )


@ct2_transformers.register_loader("BartConfig")
class BartLoader(ct2_transformers.BartLoader):  # type: ignore[misc]
    """BART, with the post-norm setting transformers 5 no longer keeps on the config."""

    def get_model_spec(self, model: Any) -> Any:
        """CTranslate2's spec, after giving the config the attribute it reads."""
        if not hasattr(model.config, "normalize_before"):
            model.config.normalize_before = False
        return super().get_model_spec(model)
