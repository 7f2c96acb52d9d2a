"""The NER network: embeddings + lexicon bits → residual dilated 1-D convolutions → tag scores,
with a linear-chain CRF on top for training. Torch is needed only here, at training time; the
package runs the exported ONNX graph and does Viterbi in numpy."""

from __future__ import annotations

import torch
from torch import nn

from pisentinel.detect.ner._decode import N_TAGS, allowed_transitions


class CharConvTagger(nn.Module):
    def __init__(self, pretrained: torch.Tensor, n_bigrams: int, n_lex: int, channels: int = 96,
                 dilations: tuple[int, ...] = (1, 2, 4, 1), uni_dim: int = 48, bi_dim: int = 32,
                 dropout: float = 0.25, heads: int = 1, ctx_dim: int = 0,
                 use_pre: bool = True) -> None:
        super().__init__()
        n_chars = pretrained.shape[0]
        # Frozen pretrained vectors keep unseen characters meaningful; the trainable part starts
        # at zero so characters absent from training add nothing. With `ctx_dim` the model also
        # reads the frozen LAC encoder's states (computed outside, see lac.py), which carry the
        # same char vectors in context, so `use_pre` may drop the plain ones.
        self.use_pre = use_pre
        self.pre = nn.Embedding.from_pretrained(pretrained, freeze=True) if use_pre else None
        self.uni = nn.Embedding(n_chars, uni_dim, padding_idx=0)
        nn.init.zeros_(self.uni.weight)
        self.bi = nn.Embedding(n_bigrams, bi_dim, padding_idx=0)
        self.ctx_dim = ctx_dim
        pre_dim = pretrained.shape[1] if use_pre else 0
        self.inp = nn.Linear(pre_dim + uni_dim + 2 * bi_dim + n_lex + ctx_dim, channels)
        self.convs = nn.ModuleList(
            nn.Conv1d(channels, channels, 3, dilation=d, padding=d) for d in dilations
        )
        # With `heads` > 1 the last `heads` lexicon columns are a one-hot of the labelling
        # convention (source corpus) and each convention gets its own output layer over the
        # shared trunk: 中国 may be a place in MSRA and nothing in CLUENER without the two
        # pulling one set of weights apart. At inference the one-hot picks CLUENER's head.
        self.heads = heads
        self.out = nn.Linear(channels, N_TAGS * heads)
        self.drop = nn.Dropout(dropout)
        self.receptive_radius = sum(dilations)
        self.ctx_projected = False

    def ctx_projection(self) -> torch.Tensor:
        """(ctx_dim, channels): the input layer's weights on the LAC states."""
        return self.inp.weight[:, -self.ctx_dim:].detach().T.contiguous()

    def forward(self, uni: torch.Tensor, left: torch.Tensor, right: torch.Tensor,
                lex: torch.Tensor, ctx: torch.Tensor | None = None) -> torch.Tensor:
        parts = [self.uni(uni), self.bi(left), self.bi(right), lex]
        if self.pre is not None:
            parts.insert(0, self.pre(uni))
        if ctx is not None and self.ctx_projected:
            # Export form: `ctx` is already ctx_projection(states), computed inside lac.onnx
            # so that only `channels` numbers per character cross from one graph to the other.
            x = torch.cat(parts, dim=-1)
            w = self.inp.weight[:, : x.shape[-1]]
            h = torch.relu(nn.functional.linear(x, w, self.inp.bias) + ctx).transpose(1, 2)
        else:
            if ctx is not None:
                parts.append(ctx)
            x = torch.cat(parts, dim=-1)
            h = torch.relu(self.inp(self.drop(x))).transpose(1, 2)
        for conv in self.convs:
            h = h + torch.relu(conv(self.drop(h)))
        em = self.out(self.drop(h.transpose(1, 2)))
        if self.heads == 1:
            return em
        b, length, _ = em.shape
        domain = lex[:, :, -self.heads:].unsqueeze(-1)
        return (em.view(b, length, self.heads, N_TAGS) * domain).sum(2)


class CRF(nn.Module):
    """Linear-chain CRF over whole rows (padding positions are labelled O, so no mask)."""

    def __init__(self) -> None:
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(N_TAGS, N_TAGS))
        forbid = ~torch.from_numpy(allowed_transitions())
        self.penalty: torch.Tensor
        self.register_buffer("penalty", forbid.float() * -1e4)

    def trans(self) -> torch.Tensor:
        return self.transitions + self.penalty

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per character. emissions (B, L, T), tags (B, L)."""
        trans = self.trans()
        b, length, _ = emissions.shape
        gold = emissions.gather(2, tags.unsqueeze(-1)).squeeze(-1).sum(1)
        gold = gold + trans[tags[:, :-1], tags[:, 1:]].sum(1)
        alpha = emissions[:, 0]
        for t in range(1, length):
            step = alpha.unsqueeze(2) + trans.unsqueeze(0)
            alpha = torch.logsumexp(step, dim=1) + emissions[:, t]
        log_z = torch.logsumexp(alpha, dim=1)
        return (log_z - gold).sum() / (b * length)
