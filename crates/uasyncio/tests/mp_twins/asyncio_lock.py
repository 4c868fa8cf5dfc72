# Twin of asyncio_lock (tests/mp_lock.rs): the scenario in lock_scenario.py,
# printing locked() right after each hand-over release.
import lock_scenario

lock_scenario.run(True)
