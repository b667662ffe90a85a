//! The order of a deploy's writes: a graph of tasks, each started once everything it names
//! exists in the target, run as parallel streams (one stream per kind of write, so each is
//! paced by its own operation's quota).
//!
//! A missing module or flow is created with its final content once what that content
//! refers to exists; only where items refer to each other in a cycle is one of them created
//! first as a stub (and its content written once the rest of the cycle exists), chosen
//! greedily (in each cycle, the one most of it refers to) so that few stubs break them all. Every cycle passes through a flow or a
//! module: queues, routing profiles and quick connects only refer to hours, queues and
//! flows, and a queue's quick connects are a separate write made after both exist.

use super::apply::Run;
use super::items::{references, source_index, Kind};
use super::prepare::Prepared;
use crate::change::Progress;
use crate::error::{AwsError, AwsResult};
use futures::stream::{FuturesUnordered, StreamExt};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// One write (or a few of the same item) in a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Task {
    /// The Lambda and Lex associations content may call.
    Associations,
    /// An item of a kind without content: created or updated.
    Item(Kind, String),
    /// A missing module or flow, with its final content (or a stub, `true`).
    Create(Kind, String, bool),
    /// The content and metadata of an existing module or flow, or of a stubbed one.
    Content(Kind, String),
    /// The quick connects of a queue.
    QueueQuickConnects(String),
}

impl Task {
    /// The stream the task runs in: writes of one kind share one.
    pub(super) fn stream(&self) -> usize {
        let kind = |k: &Kind| Kind::ALL.iter().position(|x| x == k).unwrap_or(0);
        let n = Kind::ALL.len();
        match self {
            Task::Associations => 0,
            Task::Item(k, _) => 1 + kind(k),
            Task::Create(k, _, _) => 1 + n + kind(k),
            Task::Content(k, _) => 1 + 2 * n + kind(k),
            Task::QueueQuickConnects(_) => 1 + 3 * n,
        }
    }

    pub(super) const STREAMS: usize = 2 + 3 * Kind::ALL.len();
}

/// The tasks, each with the tasks it waits for, in an order that starts what others wait
/// for first.
pub(super) struct Graph {
    pub(super) tasks: Vec<Task>,
    pub(super) deps: Vec<Vec<usize>>,
    /// The modules and flows created as stubs to break cycles.
    pub(super) stubs: Vec<(Kind, String)>,
}

/// What an item must wait for before it is created: what it refers to, except a queue's
/// quick connects (written by their own task once both exist).
fn creation_refs(
    src: &Value,
    index: &HashMap<String, (Kind, String)>,
    kind: Kind,
    name: &str,
) -> BTreeSet<(Kind, String)> {
    let mut refs = references(src, index, kind, name);
    if kind == Kind::Queue {
        refs.retain(|(k, _)| *k != Kind::QuickConnect);
    }
    refs
}

/// The deploy's tasks for the prepared items.
pub(super) fn graph(p: &Prepared) -> AwsResult<Graph> {
    let index = source_index(&p.src);
    let missing: Vec<(Kind, String)> = p
        .selected
        .iter()
        .filter(|key| !p.matched.contains_key(*key))
        .cloned()
        .collect();

    // The creation graph of the missing items: an edge from each to each missing item it
    // refers to.
    let mut g: DiGraph<(Kind, String), ()> = DiGraph::new();
    let node: HashMap<(Kind, String), NodeIndex> = missing
        .iter()
        .map(|key| (key.clone(), g.add_node(key.clone())))
        .collect();
    for key in &missing {
        for r in creation_refs(&p.src, &index, key.0, &key.1) {
            if let Some(&to) = node.get(&r) {
                g.add_edge(node[key], to, ());
            }
        }
    }
    let stubs = break_cycles(&mut g)?;

    // Tarjan's components come in reverse topological order: what others refer to first.
    let order: Vec<NodeIndex> = tarjan_scc(&g).into_iter().flatten().collect();
    let mut tasks = vec![Task::Associations];
    let mut creates: HashMap<(Kind, String), usize> = HashMap::new();
    let stubbed: BTreeSet<&(Kind, String)> = stubs.iter().collect();
    // Stubs first: they wait for nothing and others wait for them.
    for key in stubs.iter() {
        creates.insert(key.clone(), tasks.len());
        tasks.push(Task::Create(key.0, key.1.clone(), true));
    }
    for n in order {
        let key = &g[n];
        if stubbed.contains(key) {
            continue;
        }
        creates.insert(key.clone(), tasks.len());
        tasks.push(match key.0 {
            Kind::Flow | Kind::Module => Task::Create(key.0, key.1.clone(), false),
            k => Task::Item(k, key.1.clone()),
        });
    }
    for (k, name) in &p.selected {
        let key = (*k, name.clone());
        let content = matches!(k, Kind::Flow | Kind::Module);
        if p.matched.contains_key(&key) {
            tasks.push(match content {
                true => Task::Content(*k, name.clone()),
                false => Task::Item(*k, name.clone()),
            });
        } else if stubbed.contains(&key) {
            tasks.push(Task::Content(*k, name.clone()));
        }
        if *k == Kind::Queue {
            tasks.push(Task::QueueQuickConnects(name.clone()));
        }
    }

    let deps = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let on = |refs: BTreeSet<(Kind, String)>| {
                refs.iter()
                    .filter_map(|r| creates.get(r).copied())
                    .filter(|&d| d != i)
                    .collect::<BTreeSet<usize>>()
            };
            let mut d = match t {
                Task::Associations => BTreeSet::new(),
                Task::Create(_, _, true) => BTreeSet::new(),
                Task::Item(k, n) => on(creation_refs(&p.src, &index, *k, n)),
                Task::Create(k, n, false) | Task::Content(k, n) => {
                    let mut d = on(references(&p.src, &index, *k, n));
                    // Content may call what is associated; a stub's content waits for it.
                    d.insert(0);
                    if let Some(&c) = creates.get(&(*k, n.clone())) {
                        d.insert(c);
                    }
                    d
                }
                // The queue and its quick connects (its references include them).
                Task::QueueQuickConnects(q) => {
                    let mut d = on(references(&p.src, &index, Kind::Queue, q));
                    d.extend(creates.get(&(Kind::Queue, q.clone())));
                    d
                }
            };
            d.remove(&i);
            d.into_iter().collect()
        })
        .collect();
    Ok(Graph { tasks, deps, stubs })
}

/// Picks the modules and flows to create as stubs so that the rest has no cycle: in every
/// strongly connected component left, the module or flow most of the component refers to
/// (its references to others no longer wait), until none is left.
fn break_cycles(g: &mut DiGraph<(Kind, String), ()>) -> AwsResult<Vec<(Kind, String)>> {
    let mut stubs = Vec::new();
    loop {
        let cyclic: Vec<Vec<NodeIndex>> = tarjan_scc(&*g)
            .into_iter()
            .filter(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
            .collect();
        if cyclic.is_empty() {
            return Ok(stubs);
        }
        for c in cyclic {
            let within = |n: NodeIndex| {
                g.neighbors_directed(n, Direction::Incoming)
                    .filter(|m| c.contains(m))
                    .count()
            };
            let pick = c
                .iter()
                .filter(|n| matches!(g[**n].0, Kind::Flow | Kind::Module))
                .max_by(|a, b| within(**a).cmp(&within(**b)).then(g[**b].cmp(&g[**a])))
                .copied()
                .ok_or_else(|| {
                    AwsError::Invalid(format!(
                        "items refer to each other in a cycle no flow or module is part of: {}",
                        c.iter()
                            .map(|n| format!("{} {}", g[*n].0.label(), g[*n].1))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            stubs.push(g[pick].clone());
            g.retain_edges(|g, e| g.edge_endpoints(e).map(|(from, _)| from) != Some(pick));
        }
    }
}

/// Writes of one kind in flight at once: enough to keep an operation's bucket busy across
/// the round trip, few enough that a failure has little in flight to wait for.
const IN_FLIGHT: usize = 2;

impl Run<'_> {
    /// Runs the graph's tasks, each once those it waits for are done. On the first failure
    /// nothing more starts, and the writes in flight are waited for (not dropped), so that
    /// everything created is recorded for the restore.
    pub(super) async fn write_all(
        &self,
        p: &Prepared,
        g: &Graph,
        progress: &Progress,
    ) -> AwsResult<()> {
        let n = g.tasks.len();
        let mut waiting: Vec<usize> = g.deps.iter().map(Vec::len).collect();
        let mut dependents = vec![Vec::new(); n];
        for (i, deps) in g.deps.iter().enumerate() {
            for &d in deps {
                dependents[d].push(i);
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
        let mut busy = [0usize; Task::STREAMS];
        let mut running = FuturesUnordered::new();
        let (mut done, mut failed) = (0u64, None);
        loop {
            if failed.is_none() {
                for i in ready.clone() {
                    let s = g.tasks[i].stream();
                    if busy[s] < IN_FLIGHT {
                        busy[s] += 1;
                        ready.remove(&i);
                        running.push(async move { (i, self.task(p, &g.tasks[i]).await) });
                    }
                }
            }
            let Some((i, r)) = running.next().await else {
                break;
            };
            busy[g.tasks[i].stream()] -= 1;
            match r {
                Ok(()) => {
                    done += 1;
                    progress.report(&format!("{done} of {n} steps done"), done, n as u64);
                    for &d in &dependents[i] {
                        waiting[d] -= 1;
                        if waiting[d] == 0 {
                            ready.insert(d);
                        }
                    }
                }
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None if done == n as u64 => Ok(()),
            None => Err(AwsError::Invalid(format!(
                "{} of the deploy's writes wait for each other and could not be ordered",
                n as u64 - done
            ))),
        }
    }

    async fn task(&self, p: &Prepared, t: &Task) -> AwsResult<()> {
        match t {
            Task::Associations => self.associations(p).await,
            Task::Item(Kind::Hours, n) => self.hours(p, n).await,
            Task::Item(Kind::Prompt, n) => self.prompt(p, n).await,
            Task::Item(Kind::Queue, n) => self.queue(p, n).await,
            Task::Item(Kind::RoutingProfile, n) => self.routing_profile(p, n).await,
            Task::Item(Kind::QuickConnect, n) => self.quick_connect(p, n).await,
            // Modules and flows are Create or Content tasks (the graph makes no other).
            Task::Item(k, n) => Err(AwsError::Invalid(format!(
                "{} {n} is written with its content",
                k.label()
            ))),
            Task::Create(k, n, stub) => self.create(p, *k, n, *stub).await,
            Task::Content(k, n) => self.content(p, *k, n).await,
            Task::QueueQuickConnects(q) => self.queue_quick_connects(p, q).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(edges: &[(&str, &str)], names: &[&str]) -> DiGraph<(Kind, String), ()> {
        let mut g = DiGraph::new();
        let n: HashMap<&str, NodeIndex> = names
            .iter()
            .map(|x| {
                let kind = if x.starts_with('q') {
                    Kind::Queue
                } else {
                    Kind::Flow
                };
                (*x, g.add_node((kind, x.to_string())))
            })
            .collect();
        for (a, b) in edges {
            g.add_edge(n[a], n[b], ());
        }
        g
    }

    #[test]
    fn a_chain_needs_no_stub() {
        let mut g = graph_of(
            &[("f3", "f2"), ("f2", "f1"), ("f1", "q1")],
            &["f1", "f2", "f3", "q1"],
        );
        assert_eq!(break_cycles(&mut g).unwrap(), vec![]);
    }

    #[test]
    fn one_stub_breaks_a_cycle_and_a_shared_member_breaks_two() {
        // f1 -> f2 -> f1, and f2 -> f3 -> f2: stubbing f2 breaks both.
        let mut g = graph_of(
            &[("f1", "f2"), ("f2", "f1"), ("f2", "f3"), ("f3", "f2")],
            &["f1", "f2", "f3"],
        );
        assert_eq!(
            break_cycles(&mut g).unwrap(),
            vec![(Kind::Flow, "f2".into())]
        );
        // A flow that transfers to itself.
        let mut g = graph_of(&[("f1", "f1")], &["f1"]);
        assert_eq!(
            break_cycles(&mut g).unwrap(),
            vec![(Kind::Flow, "f1".into())]
        );
    }

    #[test]
    fn a_cycle_through_a_queue_stubs_the_flow() {
        // The queue's outbound flow refers back to the queue.
        let mut g = graph_of(&[("q1", "f1"), ("f1", "q1")], &["q1", "f1"]);
        assert_eq!(
            break_cycles(&mut g).unwrap(),
            vec![(Kind::Flow, "f1".into())]
        );
    }
}
