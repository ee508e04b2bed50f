#!/bin/sh
# Script body removed: only the kustomize layout is kept here (see PROVENANCE.md).
