"""DeepAR's network (Salinas, Flunkert, Gasthaus, Januschowski 2020), in torch: an LSTM that reads,
at each time step, the scaled lagged targets, date features, an age feature and the series' static
features (embeddings of its categories and its log scale), and outputs the parameters of a
likelihood for the next value. Trained by maximum likelihood on random windows of
``context_length + prediction_length`` steps (teacher forcing); forecasts are sample paths drawn
step by step, each sample fed back as the next lag (ancestral sampling).

Scaling: each window is divided by ``nu = 1 + mean(|z|)`` of its observed context values, so one
network fits series of any size; the likelihood maps back (gaussian / student-T: location and scale
times nu; negative-binomial: mean times nu, shape divided by sqrt(nu), as in the paper).

Shapes: B windows (or instances x samples), L = context_length + prediction_length steps,
W = max_lag + L values per window buffer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from helpers.algorithms.deepar.series import Frequency, Series, time_features

__all__ = ["Layout", "build_net", "TrainingSet", "fit_network", "forecast", "LIKELIHOODS"]

LIKELIHOODS = ("gaussian", "beta", "negative-binomial", "student-T", "deterministic-L1")
_N_ARGS = {"gaussian": 2, "beta": 2, "negative-binomial": 2, "student-T": 3, "deterministic-L1": 1}


@dataclass(frozen=True)
class Layout:
    """What one window looks like: the context and prediction lengths, the lags, the frequency."""

    context: int
    prediction: int
    lags: tuple[int, ...]
    freq: Frequency
    n_time: int  # date features (+1 age feature is added)

    @property
    def max_lag(self) -> int:
        return max(self.lags)

    @property
    def length(self) -> int:
        return self.context + self.prediction


# ------------------------------------------------------------------------------------------ network


def build_net(layout: Layout, cardinality: list[int], embedding_dimension: int, num_cells: int, num_layers: int,
              dropout: float, likelihood: str):
    """The DeepAR torch module for these settings (weights freshly initialised)."""
    import torch
    from torch import nn

    class DeepARNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.embeddings = nn.ModuleList([nn.Embedding(c, embedding_dimension) for c in cardinality])
            size = len(layout.lags) + layout.n_time + 1 + embedding_dimension * len(cardinality) + 1
            self.rnn = nn.LSTM(size, num_cells, num_layers, dropout=dropout if num_layers > 1 else 0.0, batch_first=True)
            self.head = nn.Linear(num_cells, _N_ARGS[likelihood])

        def forward(self, lagged, features, cat, log_scale, state=None):
            """lagged (B, T, n_lags), features (B, T, n_time + 1), cat (B, n_cat), log_scale (B, 1) ->
            distribution arguments (B, T, n_args) and the LSTM state."""
            static = [emb(cat[:, j]) for j, emb in enumerate(self.embeddings)] + [log_scale]
            static = torch.cat(static, dim=1)[:, None, :].expand(-1, lagged.shape[1], -1)
            out, state = self.rnn(torch.cat([lagged, features, static], dim=2), state)
            return self.head(out), state

    return DeepARNet()


class Likelihood:
    """Negative log-likelihood and sampling of one of SageMaker's likelihoods, from the network's
    arguments and the window scale."""

    def __init__(self, name: str):
        self.name = name

    def scale(self, nu):
        """Beta models values in (0, 1): they are not scaled."""
        return nu * 0 + 1 if self.name == "beta" else nu

    def _params(self, args, nu):
        import torch.nn.functional as F

        soft = lambda a: F.softplus(a) + 1e-6  # noqa: E731 - positive parameters
        if self.name == "gaussian":
            return args[..., 0] * nu, soft(args[..., 1]) * nu
        if self.name == "student-T":
            return 2.0 + soft(args[..., 2]), args[..., 0] * nu, soft(args[..., 1]) * nu
        if self.name == "negative-binomial":
            return soft(args[..., 0]) * nu, soft(args[..., 1]) / nu.sqrt()
        if self.name == "beta":
            return soft(args[..., 0]), soft(args[..., 1])
        return (args[..., 0] * nu,)

    def nll(self, args, nu, z):
        """Negative log-likelihood of ``z`` (B, T), elementwise (missing values: mask them after)."""
        import torch
        from torch import distributions as D

        params = self._params(args, nu)
        if self.name == "gaussian":
            return -D.Normal(*params, validate_args=False).log_prob(z)
        if self.name == "student-T":
            return -D.StudentT(*params, validate_args=False).log_prob(z)
        if self.name == "negative-binomial":
            mu, alpha = params
            return -D.NegativeBinomial(total_count=1.0 / alpha, logits=torch.log(mu * alpha),
                                       validate_args=False).log_prob(z)
        if self.name == "beta":
            return -D.Beta(*params, validate_args=False).log_prob(z.clamp(1e-6, 1 - 1e-6))
        return (z - params[0]).abs() / nu  # deterministic-L1: the L1 loss in scaled units

    def sample(self, args, nu):
        """One draw per element of ``args[..., 0]`` (deterministic-L1: the point forecast)."""
        import torch
        from torch import distributions as D

        params = self._params(args, nu)
        if self.name == "gaussian":
            return D.Normal(*params, validate_args=False).sample()
        if self.name == "student-T":
            return D.StudentT(*params, validate_args=False).sample()
        if self.name == "negative-binomial":
            mu, alpha = params
            rate = D.Gamma(1.0 / alpha, 1.0 / (alpha * mu), validate_args=False).sample()
            return torch.poisson(rate)
        if self.name == "beta":
            return D.Beta(*params, validate_args=False).sample()
        return params[0]


# ------------------------------------------------------------------------------------------- windows


def _age(positions: np.ndarray) -> np.ndarray:
    return np.log10(2.0 + np.maximum(positions, 0))


def _scale(context: np.ndarray) -> np.ndarray:
    """nu = 1 + mean |z| over the observed context values of each row (1 when none is observed)."""
    observed = ~np.isnan(context)
    total = np.where(observed, np.abs(context), 0.0).sum(axis=1)
    count = observed.sum(axis=1)
    return 1.0 + np.divide(total, count, out=np.zeros_like(total), where=count > 0)


class TrainingSet:
    """Training series laid out for fast window sampling: values padded in front by
    ``max_lag + context`` NaN (and behind to the longest series), date + age features alongside."""

    def __init__(self, series: list[Series], layout: Layout, use_cat: bool):
        self.layout = layout
        self.pad = layout.max_lag + layout.context
        lengths = np.array([len(s.target) for s in series])
        width = self.pad + int(lengths.max())
        self.values = np.full((len(series), width), np.nan)
        self.features = np.zeros((len(series), width, layout.n_time + 1))
        for i, s in enumerate(series):
            span = self.pad + len(s.target)
            self.values[i, self.pad:span] = s.target
            self.features[i, :span, :layout.n_time] = time_features(s.start, span, layout.freq, offset=-self.pad)
            self.features[i, :span, layout.n_time] = _age(np.arange(span) - self.pad)
        self.cat = np.array([s.cat for s in series], dtype=np.int64).reshape(len(series), -1) if use_cat \
            else np.zeros((len(series), 0), dtype=np.int64)
        # Prediction starts p in 1 .. len - prediction_length: at least one context value, a whole horizon.
        self.starts = np.maximum(lengths - layout.prediction, 0)
        self.n_points = int((~np.isnan(self.values)).sum())

    def sample(self, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` windows: (series index, prediction start p), series drawn in proportion to their windows."""
        weights = self.starts / self.starts.sum()
        rows = rng.choice(len(weights), size=size, p=weights)
        return rows, 1 + (rng.random(size) * self.starts[rows]).astype(np.int64)

    def batch(self, rows: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        lay = self.layout
        first = self.pad + p - lay.context - lay.max_lag  # padded index of the buffer's first value
        buffer = self.values[rows[:, None], first[:, None] + np.arange(lay.max_lag + lay.length)]
        features = self.features[rows[:, None], (self.pad + p - lay.context)[:, None] + np.arange(lay.length)]
        return {"buffer": buffer, "features": features, "cat": self.cat[rows]}


def forecast_inputs(series: list[Series], layout: Layout, use_cat: bool) -> dict[str, np.ndarray]:
    """Window buffers for forecasting the ``prediction`` steps after each series' last value."""
    lay = layout
    n, width = len(series), lay.max_lag + lay.length
    buffer = np.full((n, width), np.nan)
    features = np.zeros((n, lay.length, lay.n_time + 1))
    for i, s in enumerate(series):
        p = len(s.target)
        first = p - lay.context - lay.max_lag
        known = s.target[max(first, 0):p]
        buffer[i, width - lay.prediction - len(known):width - lay.prediction] = known
        offset = p - lay.context
        features[i, :, :lay.n_time] = time_features(s.start, lay.length, lay.freq, offset=offset)
        features[i, :, lay.n_time] = _age(offset + np.arange(lay.length))
    cat = np.array([s.cat for s in series], dtype=np.int64).reshape(n, -1) if use_cat else np.zeros((n, 0), np.int64)
    return {"buffer": buffer, "features": features, "cat": cat}


def _lag_index(layout: Layout, steps: np.ndarray) -> np.ndarray:
    """Buffer positions (len(steps), n_lags) of the lagged values at window steps ``steps``."""
    return layout.max_lag + steps[:, None] - np.asarray(layout.lags)[None, :]


# ------------------------------------------------------------------------------------------ training


def fit_network(net, data: TrainingSet, likelihood: Likelihood, hps: dict[str, Any], rng: np.random.Generator,
                on_epoch: Callable[[int, float], None]) -> float:
    """Adam on random windows; the best epoch's weights are kept. Returns the last epoch's mean loss.

    An epoch draws about as many windows as it takes to cover every observed value once (at least
    one mini-batch). The learning rate halves after 10 epochs without improvement (floor 5e-5);
    ``early_stopping_patience`` epochs without improvement end training.
    """
    import torch

    lay = data.layout
    optimizer = torch.optim.Adam(net.parameters(), lr=hps["learning_rate"], weight_decay=1e-8)
    windows = max(hps["mini_batch_size"], math.ceil(data.n_points / lay.length))
    lag_index = _lag_index(lay, np.arange(lay.length))
    best, best_state, since_best, since_decay = math.inf, None, 0, 0
    loss_value = math.nan
    for epoch in range(1, hps["epochs"] + 1):
        net.train()
        rows, starts = data.sample(rng, windows)
        total, count = 0.0, 0
        for begin in range(0, windows, hps["mini_batch_size"]):
            b = data.batch(rows[begin:begin + hps["mini_batch_size"]], starts[begin:begin + hps["mini_batch_size"]])
            inputs = _tensors(b, lag_index, lay, likelihood)
            args, _ = net(inputs["lagged"], inputs["features"], inputs["cat"], inputs["log_scale"])
            target = torch.as_tensor(b["buffer"][:, lay.max_lag:], dtype=torch.float32)
            observed = ~torch.isnan(target)
            nll = likelihood.nll(args, inputs["nu"][:, None], torch.nan_to_num(target))
            loss = (nll * observed).sum() / observed.sum().clamp(min=1)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            optimizer.step()
            total += loss.item() * len(b["cat"])
            count += len(b["cat"])
        loss_value = total / count
        on_epoch(epoch, loss_value)
        improved = not math.isfinite(best) or loss_value < best - 1e-4 * abs(best)
        if improved:
            best, since_best, since_decay = loss_value, 0, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            since_best += 1
            since_decay += 1
            if since_decay >= 10:
                for group in optimizer.param_groups:
                    group["lr"] = max(group["lr"] * 0.5, 5e-5)
                since_decay = 0
            if hps["early_stopping_patience"] is not None and since_best >= hps["early_stopping_patience"]:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    return loss_value


def _tensors(batch: dict[str, np.ndarray], lag_index: np.ndarray, layout: Layout, likelihood: Likelihood) -> dict[str, Any]:
    import torch

    buffer = batch["buffer"]
    nu = likelihood.scale(_scale(buffer[:, layout.max_lag:layout.max_lag + layout.context]))
    lagged = np.nan_to_num(buffer[:, lag_index] / nu[:, None, None])
    return {"lagged": torch.as_tensor(lagged, dtype=torch.float32),
            "features": torch.as_tensor(batch["features"], dtype=torch.float32),
            "cat": torch.as_tensor(batch["cat"], dtype=torch.int64),
            "log_scale": torch.as_tensor(np.log(nu)[:, None], dtype=torch.float32),
            "nu": torch.as_tensor(nu, dtype=torch.float32)}


# ------------------------------------------------------------------------------------------ forecast


def forecast(net, inputs: dict[str, np.ndarray], layout: Layout, likelihood: Likelihood, num_samples: int,
             seed: int = 0) -> np.ndarray:
    """Sample paths (n, num_samples, prediction_length) for the windows in ``inputs``: the network
    reads the context, then samples one step at a time, feeding each sample back as a lag."""
    import torch

    lay = layout
    net.eval()
    n = len(inputs["cat"])
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        context = _tensors(inputs, _lag_index(lay, np.arange(lay.context)), lay, likelihood)
        features = context["features"]
        _, state = net(context["lagged"], features[:, :lay.context], context["cat"], context["log_scale"])
        # Every instance's state, log scale and categories, repeated for its samples.
        rep = lambda t: t.repeat_interleave(num_samples, dim=0)  # noqa: E731
        state = tuple(s.repeat_interleave(num_samples, dim=1) for s in state)
        nu, log_scale, cat = rep(context["nu"]), rep(context["log_scale"]), rep(context["cat"])
        future_features = rep(features[:, lay.context:])
        scaled = np.nan_to_num(inputs["buffer"] / context["nu"].numpy()[:, None])
        buffer = torch.as_tensor(scaled, dtype=torch.float32).repeat_interleave(num_samples, dim=0)
        lags = torch.as_tensor(np.asarray(lay.lags))
        out = torch.empty(n * num_samples, lay.prediction)
        for h in range(lay.prediction):
            position = lay.max_lag + lay.context + h
            lagged = buffer[:, position - lags][:, None, :]
            args, state = net(lagged, future_features[:, h:h + 1], cat, log_scale, state)
            draw = likelihood.sample(args[:, 0], nu)
            out[:, h] = draw
            buffer[:, position] = draw / nu
    return out.numpy().astype(np.float64).reshape(n, num_samples, lay.prediction)
