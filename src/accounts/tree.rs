//! The Virtual Account tree of one Smart Account (VA001–VA005): the only user of petgraph in the
//! crate. petgraph holds the structure and the records (its node weights), found by their
//! stable [`VaId`]; node indices never leave this module.

use std::collections::BTreeMap;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{Dfs, EdgeRef};

use crate::accounts::kinds::Visibility;
use crate::base::error::{Entity, Error};
use crate::base::folded::FoldedIndex;
use crate::base::ids::{SaId, VaId};
use crate::base::limits::{MAX_NAME, check_name, clip};
use crate::rules::RuleId;

/// The deepest level a Virtual Account may sit at (VA001). Top-level Virtual Accounts are level 1.
pub const MAX_LEVEL: usize = 10;

/// A Virtual Account: a folder of a Smart Account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualAccount {
    id: VaId,
    /// Inline up to 24 bytes: most names take no allocation of their own.
    name: compact_str::CompactString,
    parent: Option<VaId>,
    level: u8,
    visibility: Visibility,
}

impl VirtualAccount {
    /// Its identifier.
    #[must_use]
    pub fn id(&self) -> VaId {
        self.id
    }
    /// Its name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its parent, or `None` at the top level.
    #[must_use]
    pub fn parent(&self) -> Option<VaId> {
        self.parent
    }
    /// Its level: 1 at the top, at most [`MAX_LEVEL`].
    #[must_use]
    pub fn level(&self) -> usize {
        usize::from(self.level)
    }
    /// Restricted or Unrestricted (VA007).
    #[must_use]
    pub fn visibility(&self) -> Visibility {
        self.visibility
    }
}

/// The Virtual Account tree. petgraph holds the structure and the records (each node's weight
/// is its Virtual Account; a root node stands for the account itself); `nodes` finds a record's
/// node by its stable [`VaId`]. Node indices never leave this type.
///
/// The records live in the graph rather than in a second map keyed by identifier: one
/// `BTreeMap` of 8-byte entries instead of two, the larger with 44-byte entries (issue 16: 4.8
/// MiB less at 100,000 Virtual Accounts).
#[derive(Debug, Clone)]
pub(crate) struct VaTree {
    graph: StableDiGraph<VirtualAccount, ()>,
    root: NodeIndex,
    nodes: BTreeMap<VaId, NodeIndex>,
    /// The Virtual Accounts by name, compared ignoring case (VA003); the names stay in the
    /// records.
    names: FoldedIndex<VaId>,
}

impl PartialEq for VaTree {
    fn eq(&self, other: &Self) -> bool {
        // The graph's shape and the name index follow from the records (each names its
        // parent); node indices may differ.
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl Eq for VaTree {}

/// The record of `va` in `graph`, found through `nodes`.
fn record<'a>(
    graph: &'a StableDiGraph<VirtualAccount, ()>,
    nodes: &BTreeMap<VaId, NodeIndex>,
    va: VaId,
) -> Option<&'a VirtualAccount> {
    nodes.get(&va).and_then(|n| graph.node_weight(*n))
}

/// The name of a Virtual Account of the tree, for the name index.
fn name_of<'a>(
    graph: &'a StableDiGraph<VirtualAccount, ()>,
    nodes: &'a BTreeMap<VaId, NodeIndex>,
) -> impl Fn(VaId) -> Option<&'a str> {
    move |va| record(graph, nodes, va).map(|v| v.name.as_str())
}

impl VaTree {
    pub(crate) fn new() -> VaTree {
        let mut graph = StableDiGraph::new();
        let root = graph.add_node(VirtualAccount {
            id: VaId::new(0),
            name: compact_str::CompactString::default(),
            parent: None,
            level: 0,
            visibility: Visibility::Unrestricted,
        });
        VaTree {
            graph,
            root,
            nodes: BTreeMap::new(),
            names: FoldedIndex::default(),
        }
    }

    pub(crate) fn get(&self, va: VaId) -> Option<&VirtualAccount> {
        record(&self.graph, &self.nodes, va)
    }

    fn get_mut(&mut self, va: VaId) -> Option<&mut VirtualAccount> {
        let node = self.nodes.get(&va)?;
        self.graph.node_weight_mut(*node)
    }

    /// Gives `va` a new name (already checked), keeping the name index in step.
    pub(crate) fn rename(&mut self, va: VaId, name: String) {
        if let Some(node) = self.nodes.get(&va).copied()
            && let Some(record) = self.graph.node_weight_mut(node)
        {
            self.names.remove(va, &record.name);
            record.name = name.into();
        }
        if let Some(record) = record(&self.graph, &self.nodes, va) {
            self.names
                .insert(va, &record.name, name_of(&self.graph, &self.nodes));
        }
    }

    /// Takes `va` out of the tree (a leaf: the caller checked it has no children).
    pub(crate) fn remove(&mut self, va: VaId) {
        if let Some(node) = self.nodes.remove(&va)
            && let Some(record) = self.graph.remove_node(node)
        {
            self.names.remove(va, &record.name);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The Virtual Accounts by identifier.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &VirtualAccount> {
        self.nodes
            .values()
            .filter_map(|n| self.graph.node_weight(*n))
    }

    /// The Virtual Account with this name, compared ignoring case (VA003).
    pub(crate) fn by_name(&self, name: &str) -> Option<VaId> {
        self.names
            .find(name.trim(), name_of(&self.graph, &self.nodes))
    }

    fn node(&self, parent: Option<VaId>) -> Option<NodeIndex> {
        match parent {
            None => Some(self.root),
            Some(va) => self.nodes.get(&va).copied(),
        }
    }

    /// The children of `parent` (`None`: the top level), by identifier.
    pub(crate) fn children(&self, parent: Option<VaId>) -> Vec<VaId> {
        let Some(node) = self.node(parent) else {
            return Vec::new();
        };
        let mut out: Vec<VaId> = self
            .graph
            .neighbors(node)
            .filter_map(|n| self.graph.node_weight(n).map(VirtualAccount::id))
            .collect();
        out.sort_unstable();
        out
    }

    pub(crate) fn has_children(&self, va: VaId) -> bool {
        self.node(Some(va))
            .is_some_and(|n| self.graph.neighbors(n).next().is_some())
    }

    /// `va` and every Virtual Account below it, parents before children.
    pub(crate) fn subtree(&self, va: VaId) -> Vec<VaId> {
        let Some(start) = self.nodes.get(&va).copied() else {
            return Vec::new();
        };
        let mut dfs = Dfs::new(&self.graph, start);
        let mut out = Vec::new();
        while let Some(n) = dfs.next(&self.graph) {
            if let Some(record) = self.graph.node_weight(n) {
                out.push(record.id);
            }
        }
        out
    }

    /// Whether `ancestor` is `va` or above it.
    pub(crate) fn is_at_or_above(&self, ancestor: VaId, va: VaId) -> bool {
        let mut cursor = Some(va);
        let mut steps = 0;
        while let Some(current) = cursor {
            if current == ancestor {
                return true;
            }
            steps += 1;
            if steps > MAX_LEVEL + 1 {
                return false;
            }
            cursor = self.get(current).and_then(|v| v.parent);
        }
        false
    }

    pub(crate) fn check_name(
        &self,
        sa: SaId,
        name: &str,
        except: Option<VaId>,
    ) -> Result<String, Error> {
        let name = check_name(name, MAX_NAME).map_err(|reason| Error::InvalidName {
            rule: RuleId::VA003,
            field: "virtual account name",
            value: clip(name),
            reason,
        })?;
        if let Some(existing) = self
            .names
            .find(&name, name_of(&self.graph, &self.nodes))
            .filter(|e| Some(*e) != except)
        {
            return Err(Error::DuplicateVaName { sa, name, existing });
        }
        Ok(name)
    }

    pub(crate) fn level_below(&self, parent: Option<VaId>) -> Result<usize, Error> {
        match parent {
            None => Ok(1),
            Some(p) => self.get(p).map(|v| v.level() + 1).ok_or(Error::NotFound {
                rule: RuleId::VA001,
                entity: Entity::Va(p),
            }),
        }
    }

    /// Adds `va` (new to the tree: `SmartAccount::add_va` refuses an identifier in use) under
    /// `parent`, its name already checked.
    pub(crate) fn insert(&mut self, va: VaId, parent: Option<VaId>, name: String, level: usize) {
        let parent_node = self.node(parent).unwrap_or(self.root);
        let level = u8::try_from(level).unwrap_or(u8::MAX);
        let node = self.graph.add_node(VirtualAccount {
            id: va,
            name: name.into(),
            parent,
            level,
            visibility: Visibility::Unrestricted,
        });
        self.graph.add_edge(parent_node, node, ());
        self.nodes.insert(va, node);
        if let Some(record) = self.graph.node_weight(node) {
            self.names
                .insert(va, &record.name, name_of(&self.graph, &self.nodes));
        }
    }

    /// The number of levels of the subtree under `va`, counting `va` (1 for a leaf).
    pub(crate) fn height(&self, va: VaId) -> usize {
        let base = self.get(va).map_or(0, VirtualAccount::level);
        self.subtree(va)
            .iter()
            .filter_map(|id| self.get(*id))
            .map(|v| v.level() + 1 - base)
            .max()
            .unwrap_or(1)
    }

    /// Sets the visibility of `va` (already checked).
    pub(crate) fn set_visibility(&mut self, va: VaId, visibility: Visibility) {
        if let Some(record) = self.get_mut(va) {
            record.visibility = visibility;
        }
    }

    /// Moves `va` with its subtree under `parent`, at `new_level` (already checked: the parent
    /// is in this tree, outside the subtree, and the subtree stays within [`MAX_LEVEL`]).
    pub(crate) fn reparent(
        &mut self,
        va: VaId,
        parent: Option<VaId>,
        new_level: usize,
    ) -> Result<(), Error> {
        let old_level = self.get(va).map_or(0, |r| r.level);
        let (Some(node), Some(parent_node)) = (self.nodes.get(&va).copied(), self.node(parent))
        else {
            return Err(Error::NotFound {
                rule: RuleId::VA004,
                entity: Entity::Va(va),
            });
        };
        let incoming: Vec<_> = self
            .graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .map(|e| e.id())
            .collect();
        for edge in incoming {
            self.graph.remove_edge(edge);
        }
        self.graph.add_edge(parent_node, node, ());
        let shift = i64::try_from(new_level).unwrap_or(0) - i64::from(old_level);
        for id in self.subtree(va) {
            if let Some(r) = self.get_mut(id) {
                r.level = u8::try_from(i64::from(r.level) + shift).unwrap_or(u8::MAX);
                if id == va {
                    r.parent = parent;
                }
            }
        }
        Ok(())
    }
}
