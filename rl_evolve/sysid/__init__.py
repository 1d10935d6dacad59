"""System identification: which physics an agent is in, inferred from its (observation, action)
history by a network trained on the backprop core (UP-OSI's OSI, Yu et al. 2017)."""
