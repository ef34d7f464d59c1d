"""Transform stage: raw source frames -> unified entity frames, via declarative mappings."""

from jhmig.transform.codes import read_unified_code_lists
from jhmig.transform.table_mapping import TransformContext, build_context, transform_extract

__all__ = ["TransformContext", "build_context", "read_unified_code_lists", "transform_extract"]
