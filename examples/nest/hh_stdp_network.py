#!/usr/bin/env python3
"""The seeds' network in NEST, with nestml's module: two populations of 100 Hodgkin-Huxley
neurons (the library's hh_psc_alpha_neuron), each driven by Poisson input, the first connected
to the second all-to-all through the library's stdp_synapse; 1000 ms at 0.1 ms.

Build the module first (see README.md in this folder), then:

    LD_LIBRARY_PATH=examples/nest/build python3 examples/nest/hh_stdp_network.py

Prints the rate of each population and the plastic weights before and after.
"""

import nest
import numpy as np

nest.Install("nestmlmodule")
nest.set(resolution=0.1, rng_seed=1)

pop1 = nest.Create("hh_psc_alpha_neuron_nestml", 100)
pop2 = nest.Create("hh_psc_alpha_neuron_nestml", 100)
noise = nest.Create("poisson_generator", params={"rate": 50000.0})
nest.Connect(noise, pop1 + pop2, syn_spec={"weight": 25.0, "delay": 1.0})

nest.Connect(pop1, pop2, "all_to_all",
             syn_spec={"synapse_model": "stdp_synapse_nestml",
                       "weight": nest.random.uniform(20.0, 40.0), "delay": 1.0})
recorder = nest.Create("spike_recorder")
nest.Connect(pop1 + pop2, recorder)

plastic = nest.GetConnections(pop1, pop2)
w_before = np.array(plastic.get("weight"))
nest.Simulate(1000.0)

senders = recorder.events["senders"]
w_after = np.array(plastic.get("weight"))
for name, pop in (("pop1", pop1), ("pop2", pop2)):
    ids = pop.tolist()
    n = np.count_nonzero((senders >= ids[0]) & (senders <= ids[-1]))
    print(f"{name}: {n / len(ids):.2f} spikes/s per neuron")
print(f"plastic weights: {len(w_after)} connections, mean {w_before.mean():.3f} -> {w_after.mean():.3f} pA, "
      f"range {w_after.min():.3f} .. {w_after.max():.3f} pA")
