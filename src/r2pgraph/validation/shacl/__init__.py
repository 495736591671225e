"""SHACL validation in parts: the SHACL Core subset the shapes use over an index of the data
(``native``), SPARQL constraints with pyoxigraph (``sparql``), any other shape with pySHACL (``core``)."""

from rdflib.namespace import SH

# The target declarations of SHACL Core (https://www.w3.org/TR/shacl/#targets), sh:target aside.
STANDARD_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
