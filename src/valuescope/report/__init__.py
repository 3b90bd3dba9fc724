"""What results look like to people: plots (and, later, the static report and the viewer).

Modules here only read results objects; they never load runs or call models. Plotting
libraries are imported inside the functions that draw, so importing valuescope stays fast.
"""
