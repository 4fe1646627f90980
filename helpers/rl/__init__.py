"""Reinforcement learning for notebook 09: one module per idea.

- :mod:`helpers.rl.bandits`      multi-armed bandits: epsilon-greedy, UCB, Thompson sampling, regret
- :mod:`helpers.rl.qlearning`    tabular Q-learning on any gymnasium env with discrete states and actions
- :mod:`helpers.rl.supply_chain` an inventory-ordering environment (gymnasium API) and the (s, S) policy
- :mod:`helpers.rl.dqn`          a deep Q-network (torch): replay buffer, target network, epsilon schedule
- :mod:`helpers.rl.kuhn`         Kuhn poker: 3 cards, 12 information sets, exact values, best responses, exploitability
- :mod:`helpers.rl.cfr`          counterfactual regret minimisation (CFR, CFR+) by self-play on Kuhn poker
- :mod:`helpers.rl.schedules`    the exploration schedule shared by the learners
- :mod:`helpers.rl.render`       matplotlib drawings of grid worlds (FrozenLake, CliffWalking) and Q-values
- :mod:`helpers.rl.plots`        regret and learning curves, the three types of ML
- :mod:`helpers.rl.widgets`      play a bandit yourself; step through Q-learning on a grid

Import the submodule you need; nothing heavy (torch) is imported by this package itself.
"""
