//! `Broker`: publish/subscribe by topic (peterhinch's `primitives.Broker`).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::fmt;

use super::event::Event;
use super::flag::ThreadSafeFlag;
use super::queue::Queue;
use super::ringbuf_queue::RingbufQueue;
use crate::raw::mutex::{CriticalSectionRawMutex, Mutex, NoopRawMutex, RawMutex};

/// What a [`Broker`] delivers a published message to (peterhinch's agents:
/// an `Event`, a `Queue`, a `RingbufQueue`, a function, or a user class with
/// a `put` method).
///
/// Implemented for [`Event`] and [`ThreadSafeFlag`] (set),
/// [`Queue<(T, M)>`](Queue) and [`RingbufQueue<(T, M)>`](RingbufQueue)
/// (the pair put without waiting),
/// and every `Fn(&T, &M)` closure (called; to run a coroutine, call
/// [`create_task`](crate::create_task) in it; extra arguments are captured
/// variables). Implement it for a type of yours to make it an agent.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// struct Counter(Cell<u32>);
/// impl uasyncio::Agent<&'static str, u32> for Counter {
///     fn put(&self, _topic: &&'static str, message: &u32) -> bool {
///         self.0.set(self.0.get() + message);
///         true
///     }
/// }
/// let broker = uasyncio::Broker::new();
/// let counter = Rc::new(Counter(Cell::new(0)));
/// broker.subscribe("add", counter.clone());
/// broker.publish("add", 5);
/// broker.publish("add", 2);
/// assert_eq!(counter.0.get(), 7);
/// ```
pub trait Agent<T, M> {
    /// Delivers one message; false if it was lost (a full `Queue` drops the
    /// new message, a full `RingbufQueue` its oldest one).
    fn put(&self, topic: &T, message: &M) -> bool;
}

impl<T, M, R: RawMutex> Agent<T, M> for Event<R> {
    fn put(&self, _topic: &T, _message: &M) -> bool {
        self.set();
        true
    }
}

impl<T, M> Agent<T, M> for ThreadSafeFlag {
    fn put(&self, _topic: &T, _message: &M) -> bool {
        self.set();
        true
    }
}

impl<T: Clone, M: Clone, R: RawMutex> Agent<T, M> for Queue<(T, M), R> {
    fn put(&self, topic: &T, message: &M) -> bool {
        self.put_nowait((topic.clone(), message.clone())).is_ok()
    }
}

impl<T: Clone, M: Clone> Agent<T, M> for RingbufQueue<(T, M)> {
    fn put(&self, topic: &T, message: &M) -> bool {
        self.put_nowait((topic.clone(), message.clone())).is_none()
    }
}

impl<T, M, F: Fn(&T, &M)> Agent<T, M> for F {
    fn put(&self, topic: &T, message: &M) -> bool {
        self(topic, message);
        true
    }
}

/// A topic pattern: subscribers by pattern get every topic it matches
/// (peterhinch's `RegExp` topics; plug a regular-expression crate in here).
/// A [`cs::Broker`](crate::sync::cs::Broker) takes a `&'static (dyn Fn(&T)
/// -> bool + Sync)` instead.
pub type TopicPattern<T> = Rc<dyn Fn(&T) -> bool>;

/// [`Broker::unsubscribe`] of something that was not subscribed. peterhinch's
/// prints a warning when `Broker.Verbose` is set; here it is a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSubscribed {
    /// No agent is subscribed to that topic.
    Topic,
    /// The topic has subscribers, but not that agent.
    Agent,
}

impl fmt::Display for NotSubscribed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotSubscribed::Topic => "unsubscribe failed: the topic is not subscribed",
            NotSubscribed::Agent => "unsubscribe failed: the agent is not subscribed to that topic",
        })
    }
}

impl core::error::Error for NotSubscribed {}

/// How a [`Broker`] holds its subscriptions' agents and patterns, by its
/// raw mutex: `Rc`s with [`NoopRawMutex`] (the plain
/// [`uasyncio::Broker`](crate::Broker)), `&'static` references to `Sync`
/// ones with [`CriticalSectionRawMutex`]
/// ([`cs::Broker`](crate::sync::cs::Broker), which may be a `static` used
/// from any thread). Implemented for those two only (sealed, as
/// [`RawMutex`] is).
///
/// ```
/// use uasyncio::sync::generic::Broker;
/// use uasyncio::sync::raw_mutex::{CriticalSectionRawMutex, NoopRawMutex};
/// let _plain: Broker<&str, u32, NoopRawMutex> = uasyncio::Broker::new();
/// static SHARED: Broker<&str, u32, CriticalSectionRawMutex> = uasyncio::sync::cs::Broker::new();
/// ```
pub trait BrokerMutex<T, M>: held::Held<T, M> + RawMutex {}

impl<T, M> BrokerMutex<T, M> for NoopRawMutex {}
impl<T: 'static, M: 'static> BrokerMutex<T, M> for CriticalSectionRawMutex {}

/// The hidden half of [`BrokerMutex`]: what a broker holds.
pub(crate) mod held {
    use core::ops::Deref;

    use super::{Agent, CriticalSectionRawMutex, NoopRawMutex, Rc, TopicPattern};

    /// How agents and patterns are held: both are pointers to what they
    /// hold, through which a broker delivers, matches and compares them.
    pub trait Held<T, M> {
        /// A subscribed agent.
        type Agent: Clone + Deref<Target: Agent<T, M>>;
        /// A subscribed topic pattern.
        type Pattern: Deref<Target: Fn(&T) -> bool>;
    }

    impl<T, M> Held<T, M> for NoopRawMutex {
        type Agent = Rc<dyn Agent<T, M>>;
        type Pattern = TopicPattern<T>;
    }

    impl<T: 'static, M: 'static> Held<T, M> for CriticalSectionRawMutex {
        type Agent = &'static (dyn Agent<T, M> + Sync);
        type Pattern = &'static (dyn Fn(&T) -> bool + Sync);
    }
}

use held::Held;

enum Topic<T, P> {
    Exact(T),
    Matching(P),
}

struct Subscription<T, M, R: Held<T, M>> {
    topic: Topic<T, R::Pattern>,
    agent: R::Agent,
}

/// The address of `value`, without its metadata (a `dyn` pointer's vtable
/// may differ between codegen units for one object): how an unsubscribe
/// finds its agent and pattern.
fn address<A: ?Sized>(value: &A) -> *const () {
    core::ptr::from_ref(value).cast()
}

/// A message broker (peterhinch's `Broker`): agents subscribe to topics,
/// [`publish`](Self::publish) delivers a message to every agent subscribed
/// to its topic, in the order they subscribed (peterhinch's order is that
/// of a Python `set`: unspecified).
///
/// Topics are values of any type `T` compared with `==` (peterhinch's are
/// strings or any hashable), or [patterns](Self::subscribe_matching).
/// Agents are `Rc`s of anything implementing [`Agent`]: the same `Rc`
/// (compared by address) unsubscribes it. An agent subscribed twice to a
/// topic gets each message once; an agent subscribed to a topic and to a
/// pattern that matches it gets it twice.
///
/// `uasyncio::Broker<T, M>` is this type with [`NoopRawMutex`]:
/// single-threaded, not `Sync`. [`cs::Broker`](crate::sync::cs::Broker)
/// (with a [`CriticalSectionRawMutex`]) is `Sync` for `T: Send`, can be a
/// `static`, holds `&'static` references to `Sync` agents and patterns, and
/// may be used from any thread.
///
/// ```
/// use std::rc::Rc;
/// uasyncio::run_virtual(async {
///     let broker = uasyncio::Broker::new();
///     let inbox = Rc::new(uasyncio::Queue::new(10));
///     let alarm = Rc::new(uasyncio::Event::new());
///     broker.subscribe("temperature", inbox.clone());
///     broker.subscribe("overheat", alarm.clone());
///     broker.publish("temperature", 21);
///     broker.publish("overheat", 95);
///     assert_eq!(inbox.get().await, ("temperature", 21));
///     alarm.wait().await;
/// });
/// ```
pub struct Broker<T, M, R: BrokerMutex<T, M> = NoopRawMutex> {
    subscriptions: Mutex<R, Subscriptions<T, M, R>>,
}

/// A broker's subscriptions, in the order they were made.
type Subscriptions<T, M, R> = RefCell<Vec<Subscription<T, M, R>>>;

impl<T, M, R: BrokerMutex<T, M>> Default for Broker<T, M, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, M, R: BrokerMutex<T, M>> Broker<T, M, R> {
    /// A broker with no subscription.
    ///
    /// ```
    /// let b: uasyncio::Broker<&str, ()> = uasyncio::Broker::new();
    /// assert_eq!(b.publish("nobody", ()), 0);
    /// static SHARED: uasyncio::sync::cs::Broker<&str, ()> = uasyncio::sync::cs::Broker::new();
    /// assert_eq!(SHARED.subscriptions(), 0);
    /// ```
    pub const fn new() -> Self {
        Broker { subscriptions: Mutex::new(RefCell::new(Vec::new())) }
    }

    /// Number of subscriptions (to topics and patterns).
    ///
    /// ```
    /// assert_eq!(uasyncio::Broker::<u8, u8>::new().subscriptions(), 0);
    /// ```
    pub fn subscriptions(&self) -> usize {
        self.subscriptions.lock(|subs| subs.borrow().len())
    }
}

impl<T: PartialEq, M, R: BrokerMutex<T, M>> Broker<T, M, R> {
    /// Delivers `message` to every agent of `topic`, in subscription order;
    /// gives the number of agents that lost it (full queues; peterhinch's
    /// prints "Message lost"). An agent may use the broker while it is
    /// delivered to (the subscriptions are neither borrowed nor locked
    /// then); one that adds subscriptions makes this `publish` reach the
    /// new ones too, one that removes an earlier subscription makes it
    /// skip the next one. Topics are compared, and patterns run, with the
    /// subscriptions borrowed (and, on a `cs::Broker`, in a critical
    /// section): a pattern must not change the subscriptions.
    ///
    /// On a [`cs::Broker`](crate::sync::cs::Broker), callable from any
    /// thread (the agents run on the publishing thread); each step takes
    /// the lock anew, so subscriptions made and removed meanwhile by other
    /// threads count as an agent's would.
    ///
    /// Allocates nothing when no agent changes the subscriptions.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::new();
    /// let q = Rc::new(uasyncio::Queue::new(1));
    /// b.subscribe("t", q.clone());
    /// assert_eq!(b.publish("t", 1), 0);
    /// assert_eq!(b.publish("t", 2), 1, "the queue was full");
    /// ```
    pub fn publish(&self, topic: T, message: M) -> usize {
        let mut lost = 0;
        let mut index = 0;
        // Not borrowed (nor locked) while an agent runs: it may use the broker.
        while let Some(agent) = self.next_agent(&topic, &mut index) {
            if !agent.put(&topic, &message) {
                lost += 1;
            }
        }
        lost
    }

    /// The agent of the first subscription from `index` on that matches
    /// `topic`; `index` moves past it.
    fn next_agent(&self, topic: &T, index: &mut usize) -> Option<R::Agent> {
        self.subscriptions.lock(|subs| {
            let subs = subs.borrow();
            while let Some(sub) = subs.get(*index) {
                *index += 1;
                let matches = match &sub.topic {
                    Topic::Exact(t) => t == topic,
                    Topic::Matching(pattern) => (**pattern)(topic),
                };
                if matches {
                    return Some(sub.agent.clone());
                }
            }
            None
        })
    }

    /// Subscribes `agent` (at `address`) to `topic` unless it already is.
    fn add(&self, topic: T, agent: R::Agent) -> bool {
        let agent_at = address(&*agent);
        let refused = self.subscriptions.lock(|subs| {
            let mut subs = subs.borrow_mut();
            let duplicate = subs.iter().any(|s| {
                matches!(&s.topic, Topic::Exact(t) if *t == topic) && core::ptr::eq(address(&*s.agent), agent_at)
            });
            if duplicate {
                return Some((topic, agent));
            }
            subs.push(Subscription { topic: Topic::Exact(topic), agent });
            None
        });
        // Dropped outside the lock: a last `Rc` of an agent may run its drop.
        refused.is_none()
    }

    fn add_matching(&self, pattern: R::Pattern, agent: R::Agent) {
        self.subscriptions.lock(|subs| subs.borrow_mut().push(Subscription { topic: Topic::Matching(pattern), agent }));
    }

    /// Removes the subscription of the agent at `agent` to `topic`.
    fn remove(&self, topic: &T, agent: *const ()) -> Result<(), NotSubscribed> {
        let removed = self.subscriptions.lock(|subs| {
            let mut subs = subs.borrow_mut();
            let on_topic = |s: &Subscription<T, M, R>| matches!(&s.topic, Topic::Exact(t) if t == topic);
            if !subs.iter().any(on_topic) {
                return Err(NotSubscribed::Topic);
            }
            let index = subs
                .iter()
                .position(|s| on_topic(s) && core::ptr::eq(address(&*s.agent), agent))
                .ok_or(NotSubscribed::Agent)?;
            Ok(subs.remove(index))
        });
        // Dropped outside the lock: the agent's last `Rc` may run its drop.
        removed.map(drop)
    }

    /// Removes the subscription of the agent at `agent` to the pattern at
    /// `pattern`.
    fn remove_matching(&self, pattern: *const (), agent: *const ()) -> Result<(), NotSubscribed> {
        let removed = self.subscriptions.lock(|subs| {
            let mut subs = subs.borrow_mut();
            let index = subs
                .iter()
                .position(|s| {
                    matches!(&s.topic, Topic::Matching(p) if core::ptr::eq(address(&**p), pattern))
                        && core::ptr::eq(address(&*s.agent), agent)
                })
                .ok_or(NotSubscribed::Agent)?;
            Ok(subs.remove(index))
        });
        removed.map(drop)
    }
}

impl<T: PartialEq, M> Broker<T, M, NoopRawMutex> {
    /// Subscribes `agent` to `topic`; false if it already was (nothing
    /// changes; peterhinch's prints "Duplicate agent").
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// assert!(b.subscribe("go", e.clone()));
    /// assert!(!b.subscribe("go", e.clone()));
    /// assert_eq!(b.subscriptions(), 1);
    /// ```
    pub fn subscribe(&self, topic: T, agent: Rc<impl Agent<T, M> + 'static>) -> bool {
        self.add(topic, agent)
    }

    /// Subscribes `agent` to every topic `pattern` matches.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::new();
    /// let seen = Rc::new(Cell::new(0));
    /// let s = seen.clone();
    /// let agent = Rc::new(move |_: &&str, _: &()| s.set(s.get() + 1));
    /// b.subscribe_matching(Rc::new(|t: &&str| t.ends_with("_topic")), agent);
    /// b.publish("foo_topic", ());
    /// b.publish("FAIL", ());
    /// assert_eq!(seen.get(), 1);
    /// ```
    pub fn subscribe_matching(&self, pattern: TopicPattern<T>, agent: Rc<impl Agent<T, M> + 'static>) {
        self.add_matching(pattern, agent);
    }

    /// Unsubscribes `agent` (the same `Rc`, or a clone of it) from `topic`.
    ///
    /// # Errors
    /// [`NotSubscribed`] says whether the topic or the agent was unknown.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// assert_eq!(b.unsubscribe(&"rats", &e), Err(uasyncio::NotSubscribed::Topic));
    /// b.subscribe("go", e.clone());
    /// assert_eq!(b.unsubscribe(&"go", &e), Ok(()));
    /// ```
    pub fn unsubscribe<A: ?Sized>(&self, topic: &T, agent: &Rc<A>) -> Result<(), NotSubscribed> {
        self.remove(topic, address(&**agent))
    }

    /// Unsubscribes `agent` from `pattern` (the same `Rc`s as subscribed).
    ///
    /// # Errors
    /// [`NotSubscribed::Agent`] if that pair was not subscribed.
    ///
    /// ```
    /// use std::rc::Rc;
    /// let b = uasyncio::Broker::<&str, ()>::new();
    /// let e = Rc::new(uasyncio::Event::new());
    /// let any: uasyncio::TopicPattern<&str> = Rc::new(|_| true);
    /// b.subscribe_matching(any.clone(), e.clone());
    /// assert_eq!(b.unsubscribe_matching(&any, &e), Ok(()));
    /// ```
    pub fn unsubscribe_matching<A: ?Sized>(
        &self,
        pattern: &TopicPattern<T>,
        agent: &Rc<A>,
    ) -> Result<(), NotSubscribed> {
        self.remove_matching(address(&**pattern), address(&**agent))
    }
}

impl<T: PartialEq + 'static, M: 'static> Broker<T, M, CriticalSectionRawMutex> {
    /// Subscribes the `static` (or leaked) `agent` to `topic`, from any
    /// thread; false if it already was (nothing changes). The agent must be
    /// `Sync`: a [`cs::Queue`](crate::sync::cs::Queue) or
    /// [`cs::Event`](crate::sync::cs::Event), a
    /// [`ThreadSafeFlag`], a [`RingbufQueue`], a `Sync` type of yours.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static BROKER: cs::Broker<&str, u32> = cs::Broker::new();
    /// static INBOX: cs::Queue<(&str, u32)> = cs::Queue::const_new(4);
    /// assert!(BROKER.subscribe("temperature", &INBOX));
    /// assert!(!BROKER.subscribe("temperature", &INBOX), "already subscribed");
    /// std::thread::spawn(|| BROKER.publish("temperature", 21)).join().unwrap();
    /// assert_eq!(INBOX.get_nowait(), Ok(("temperature", 21)));
    /// ```
    pub fn subscribe(&self, topic: T, agent: &'static (dyn Agent<T, M> + Sync)) -> bool {
        self.add(topic, agent)
    }

    /// Subscribes `agent` to every topic `pattern` matches (both `static`,
    /// or leaked, and `Sync`: a `fn` item or a closure capturing nothing
    /// will do for the pattern).
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static BROKER: cs::Broker<&str, ()> = cs::Broker::new();
    /// static SENSORS: cs::Event = cs::Event::new();
    /// fn sensor(topic: &&str) -> bool {
    ///     topic.starts_with("sensor/")
    /// }
    /// BROKER.subscribe_matching(&sensor, &SENSORS);
    /// BROKER.publish("motor/1", ());
    /// assert!(!SENSORS.is_set());
    /// BROKER.publish("sensor/7", ());
    /// assert!(SENSORS.is_set());
    /// ```
    pub fn subscribe_matching(
        &self,
        pattern: &'static (dyn Fn(&T) -> bool + Sync),
        agent: &'static (dyn Agent<T, M> + Sync),
    ) {
        self.add_matching(pattern, agent);
    }

    /// Unsubscribes `agent` (compared by address: zero-sized agents may
    /// share one) from `topic`, from any thread.
    ///
    /// # Errors
    /// [`NotSubscribed`] says whether the topic or the agent was unknown.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static BROKER: cs::Broker<&str, ()> = cs::Broker::new();
    /// static GO: cs::Event = cs::Event::new();
    /// assert_eq!(BROKER.unsubscribe(&"go", &GO), Err(uasyncio::NotSubscribed::Topic));
    /// BROKER.subscribe("go", &GO);
    /// assert_eq!(BROKER.unsubscribe(&"go", &GO), Ok(()));
    /// ```
    pub fn unsubscribe<A: ?Sized>(&self, topic: &T, agent: &A) -> Result<(), NotSubscribed> {
        self.remove(topic, address(agent))
    }

    /// Unsubscribes `agent` from `pattern` (both compared by address).
    ///
    /// # Errors
    /// [`NotSubscribed::Agent`] if that pair was not subscribed.
    ///
    /// ```
    /// use uasyncio::sync::cs;
    /// static BROKER: cs::Broker<&str, ()> = cs::Broker::new();
    /// static ANY: cs::Event = cs::Event::new();
    /// fn every(_: &&str) -> bool {
    ///     true
    /// }
    /// BROKER.subscribe_matching(&every, &ANY);
    /// assert_eq!(BROKER.unsubscribe_matching(&every, &ANY), Ok(()));
    /// assert_eq!(BROKER.subscriptions(), 0);
    /// ```
    pub fn unsubscribe_matching<P: ?Sized, A: ?Sized>(&self, pattern: &P, agent: &A) -> Result<(), NotSubscribed> {
        self.remove_matching(address(pattern), address(agent))
    }
}

impl<T, M, R: BrokerMutex<T, M>> fmt::Debug for Broker<T, M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broker").field("subscriptions", &self.subscriptions()).finish()
    }
}
